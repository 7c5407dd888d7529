package dev.kairos.fsm;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * One state of a workflow: atomic, composite (holding a nested machine) or final.
 *
 * <p>Every state may carry a prompt template, the tools it allows, the slots it must fill (a JSON schema over
 * {@code data.slots}), hook names run on entry and exit, and its outgoing transitions.
 */
public sealed interface StateDef {

    String name();

    /** What the state is for, in a sentence; shown to the model among candidates. */
    String description();

    String prompt();

    List<String> tools();

    /** A JSON schema over {@code data.slots}, or null when the state fills no slots. */
    JsonNode slots();

    /** How this state picks its next state; null means "as the enclosing state does" (guards at the top). */
    ChoiceMode choice();

    List<String> onEntry();

    List<String> onExit();

    List<Transition> transitions();

    Source at();

    /**
     * For a state that starts with an open sub-task: the most model steps of the ReAct loop the agent
     * runs with the state's tools before the state's transition is decided; 0 when there is none.
     */
    default int reactSteps() {
        return 0;
    }

    /**
     * A leaf state that does the work of one step of the dialogue; {@code reactSteps} > 0 marks an open
     * sub-task (the {@code react} key).
     */
    record Atomic(String name, String description, String prompt, List<String> tools, JsonNode slots,
                  ChoiceMode choice, List<String> onEntry, List<String> onExit, List<Transition> transitions,
                  Source at, int reactSteps) implements StateDef {
        public Atomic {
            tools = List.copyOf(tools);
            onEntry = List.copyOf(onEntry);
            onExit = List.copyOf(onExit);
            transitions = List.copyOf(transitions);
            at = at == null ? Source.unknown() : at;
            if (reactSteps < 0) {
                throw new IllegalArgumentException("reactSteps: must be >= 0, was " + reactSteps);
            }
        }

        /** A state without a sub-task. */
        public Atomic(String name, String description, String prompt, List<String> tools, JsonNode slots,
                      ChoiceMode choice, List<String> onEntry, List<String> onExit, List<Transition> transitions,
                      Source at) {
            this(name, description, prompt, tools, slots, choice, onEntry, onExit, transitions, at, 0);
        }

        public static Atomic of(String name, Transition... transitions) {
            return new Atomic(name, null, null, List.of(), null, null, List.of(), List.of(), List.of(transitions), null);
        }
    }

    /** A state holding a nested machine, entered through its {@code initial} child. */
    record Composite(String name, String description, String prompt, List<String> tools, JsonNode slots,
                     ChoiceMode choice, List<String> onEntry, List<String> onExit, List<Transition> transitions,
                     String initial, List<StateDef> states, Source at) implements StateDef {
        public Composite {
            tools = List.copyOf(tools);
            onEntry = List.copyOf(onEntry);
            onExit = List.copyOf(onExit);
            transitions = List.copyOf(transitions);
            states = List.copyOf(states);
            at = at == null ? Source.unknown() : at;
        }

        public static Composite of(String name, String initial, List<StateDef> states, Transition... transitions) {
            return new Composite(name, null, null, List.of(), null, null, List.of(), List.of(), List.of(transitions),
                    initial, states, null);
        }
    }

    /** A state that ends its machine; a final child completes its composite parent ({@code event: done}). */
    record Final(String name, String description, String prompt, List<String> onEntry, List<Transition> transitions,
                 Source at) implements StateDef {
        public Final {
            onEntry = List.copyOf(onEntry);
            transitions = List.copyOf(transitions);
            at = at == null ? Source.unknown() : at;
        }

        public static Final of(String name) {
            return new Final(name, null, null, List.of(), List.of(), null);
        }

        @Override public List<String> tools() { return List.of(); }
        @Override public JsonNode slots() { return null; }
        @Override public ChoiceMode choice() { return null; }
        @Override public List<String> onExit() { return List.of(); }
    }
}
