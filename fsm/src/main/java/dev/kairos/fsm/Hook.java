package dev.kairos.fsm;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** An entry or exit hook registered in code by name: it receives a copy of the data and returns the new data. */
@FunctionalInterface
public interface Hook {

    /** Runs on entering or leaving {@code state}; throwing rejects the whole event and changes nothing. */
    ObjectNode apply(String state, ObjectNode data);
}
