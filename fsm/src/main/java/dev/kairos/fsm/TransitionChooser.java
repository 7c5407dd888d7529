package dev.kairos.fsm;

/**
 * Picks the next state where a state's {@code choice} is {@code model}; the agent implements it with a model call.
 * A {@link Choice.Target} that is not among the candidates is rejected with a reason, and nothing changes.
 */
@FunctionalInterface
public interface TransitionChooser {

    Choice choose(ChoiceRequest request);
}
