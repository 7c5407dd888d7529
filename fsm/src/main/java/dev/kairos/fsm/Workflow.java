package dev.kairos.fsm;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A workflow definition: named top-level states, the initial one, named guards and the initial data. */
public record Workflow(String name, String description, String initial, List<StateDef> states,
                       Map<String, NamedGuard> guards, ObjectNode data, Source at) {

    public Workflow {
        states = List.copyOf(states);
        guards = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(guards));
        data = data == null ? JsonNodeFactory.instance.objectNode() : data.deepCopy();
        at = at == null ? Source.unknown() : at;
    }

    public static Workflow of(String name, String initial, List<StateDef> states) {
        return new Workflow(name, null, initial, states, Map.of(), null, null);
    }

    @Override
    public ObjectNode data() {
        return data.deepCopy();
    }

    /** Every state at every depth, parents before their children, in file order. */
    public List<StateDef> allStates() {
        List<StateDef> out = new ArrayList<>();
        collect(states, out);
        return out;
    }

    private static void collect(List<StateDef> level, List<StateDef> out) {
        for (StateDef s : level) {
            out.add(s);
            if (s instanceof StateDef.Composite c) {
                collect(c.states(), out);
            }
        }
    }

    /** The first state with this name, at any depth. */
    public Optional<StateDef> state(String stateName) {
        return allStates().stream().filter(s -> s.name().equals(stateName)).findFirst();
    }
}
