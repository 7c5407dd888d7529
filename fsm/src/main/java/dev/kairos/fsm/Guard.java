package dev.kairos.fsm;

import com.fasterxml.jackson.databind.JsonNode;

/** A guard registered in code by name, for conditions the guard language cannot say; must not change anything. */
@FunctionalInterface
public interface Guard {

    /** Whether the transition may be taken from {@code state} on {@code event} with {@code data} (a read-only copy). */
    boolean test(String state, Event event, JsonNode data);
}
