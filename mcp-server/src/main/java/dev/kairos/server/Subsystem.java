package dev.kairos.server;

/** A part of Kairos that starts on its own schedule, and how it is doing. */
public record Subsystem(String name, State state, String detail) {

    /** Readiness of a subsystem, as shown by {@code kairos_status} and {@code /health}. */
    public enum State { STARTING, READY, FAILED, DISABLED }
}
