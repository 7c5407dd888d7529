package dev.kairos.fsm;

/**
 * An edge to {@code target}, taken on {@code event} (any event when null) when {@code guard} holds (always when null).
 *
 * <p>{@code guard} is either the name of a guard (declared under {@code guards:} or registered in code) or an
 * expression in the guard language. {@code ignoreSlots} lets the edge leave before the source state's slots are filled.
 */
public record Transition(String event, String guard, String target, String description, boolean ignoreSlots,
                         Source at, Source guardAt) {

    public Transition {
        at = at == null ? Source.unknown() : at;
        guardAt = guardAt == null ? at : guardAt;
    }

    public static Transition on(String event, String target) {
        return new Transition(event, null, target, null, false, null, null);
    }

    public static Transition when(String guard, String target) {
        return new Transition(null, guard, target, null, false, null, null);
    }

    /** A short label such as {@code confirm [slots.ok == true]} for diagrams and prompts. */
    public String label() {
        String e = event == null ? "" : event;
        String g = guard == null ? "" : "[" + guard + "]";
        return (e + (e.isEmpty() || g.isEmpty() ? "" : " ") + g).trim();
    }
}
