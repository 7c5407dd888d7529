package dev.kairos.fsm;

import java.util.List;

/** What firing an event did: a transition was taken, or the event was rejected and nothing changed. */
public sealed interface FireResult {

    Event event();

    /** A transition was taken; {@code exited} innermost first, {@code entered} outermost first. */
    record Transitioned(Event event, ActivePath from, ActivePath to, List<String> exited, List<String> entered)
            implements FireResult {
        public Transitioned {
            exited = List.copyOf(exited);
            entered = List.copyOf(entered);
        }
    }

    /** Nothing happened; {@code reason} says why in words a person or a model can act on. */
    record Rejected(Event event, String reason) implements FireResult {
    }
}
