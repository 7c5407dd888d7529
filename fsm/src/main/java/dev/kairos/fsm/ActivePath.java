package dev.kairos.fsm;

import java.util.List;

/** The states an instance is in, outermost first, e.g. {@code TravelPlanning/Book_Flight/Query_Flights}. */
public record ActivePath(String workflow, List<String> states) {

    public ActivePath {
        states = List.copyOf(states);
    }

    /** The innermost active state. */
    public String leaf() {
        return states.getLast();
    }

    public boolean contains(String state) {
        return states.contains(state);
    }

    /** The states joined with '/', without the workflow name. */
    public String relative() {
        return String.join("/", states);
    }

    @Override
    public String toString() {
        return workflow + "/" + relative();
    }
}
