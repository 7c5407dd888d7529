package dev.kairos.fsm;

/** A guard expression declared once under {@code guards:} and referred to by name from transitions. */
public record NamedGuard(String name, String expression, Source at) {
}
