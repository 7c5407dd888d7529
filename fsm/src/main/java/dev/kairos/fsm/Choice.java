package dev.kairos.fsm;

/** A {@link TransitionChooser}'s answer: go to one of the candidate targets, or stay where we are. */
public sealed interface Choice {

    record Target(String state) implements Choice {
    }

    record Stay(String reason) implements Choice {
    }

    static Choice to(String state) {
        return new Target(state);
    }

    static Choice stay(String reason) {
        return new Stay(reason);
    }
}
