package dev.kairos.fsm;

/** One transition in an instance's history: its sequence number, the event, and the leaf paths before and after. */
public record Step(long sequence, String event, String from, String to) {
}
