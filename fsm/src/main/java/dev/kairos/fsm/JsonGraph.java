package dev.kairos.fsm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.fsm.internal.StateTree;

/**
 * A workflow as a JSON graph for a UI: {@code nodes} (id, parent, kind, initial, choice, prompt, tools, slots) and
 * {@code edges} (from, to, event, guard, description), in file order.
 */
public final class JsonGraph {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonGraph() {
    }

    public static ObjectNode export(Workflow workflow) {
        StateTree tree = new StateTree(workflow);
        ObjectNode root = MAPPER.createObjectNode();
        root.put("workflow", workflow.name());
        if (workflow.description() != null) root.put("description", workflow.description());
        root.put("initial", workflow.initial());
        ArrayNode nodes = root.putArray("nodes");
        ArrayNode edges = root.putArray("edges");
        for (StateDef s : workflow.allStates()) {
            ObjectNode n = nodes.addObject();
            n.put("id", s.name());
            n.put("parent", tree.parentOf(s.name()));
            n.put("kind", switch (s) {
                case StateDef.Atomic a -> "atomic";
                case StateDef.Composite c -> "composite";
                case StateDef.Final f -> "final";
            });
            String parent = tree.parentOf(s.name());
            String initial = parent == null ? workflow.initial()
                    : ((StateDef.Composite) tree.get(parent)).initial();
            n.put("initial", s.name().equals(initial));
            if (s.choice() != null) n.put("choice", s.choice().name().toLowerCase());
            if (s.description() != null) n.put("description", s.description());
            if (s.prompt() != null) n.put("prompt", s.prompt());
            ArrayNode tools = n.putArray("tools");
            s.tools().forEach(tools::add);
            if (s.slots() != null) n.set("slots", s.slots().deepCopy());
            for (Transition t : s.transitions()) {
                ObjectNode e = edges.addObject();
                e.put("from", s.name());
                e.put("to", t.target());
                if (t.event() != null) e.put("event", t.event());
                if (t.guard() != null) e.put("guard", t.guard());
                if (t.description() != null) e.put("description", t.description());
            }
        }
        return root;
    }

    public static String render(Workflow workflow) {
        try {
            return MAPPER.writeValueAsString(export(workflow));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write graph", e);
        }
    }
}
