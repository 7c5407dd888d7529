package dev.kairos.fsm;

/** A transition the model may choose: from which state, on what, to where, and what the target is for. */
public record Candidate(String source, String target, String event, String guard, String description,
                        String targetDescription) {
}
