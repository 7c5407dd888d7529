package dev.kairos.fsm;

/** How a state picks its next state: the first transition whose guard holds, or the model among the candidates. */
public enum ChoiceMode { GUARDS, MODEL }
