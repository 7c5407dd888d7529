package dev.kairos.agent;

/** A workflow state entered during a run, at which step, and why. */
public record StateVisit(int step, String path, String reason) {
}
