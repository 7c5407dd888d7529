package dev.kairos.fsm;

import dev.kairos.fsm.internal.StateTree;

import java.util.ArrayList;
import java.util.List;

/**
 * Draws a workflow as a Mermaid {@code stateDiagram-v2}: composite states as nested {@code state X { ... }} blocks,
 * each transition inside the innermost block that holds both its ends, labelled {@code event [guard]}.
 */
public final class MermaidRenderer {

    private MermaidRenderer() {
    }

    public static String render(Workflow workflow) {
        StateTree tree = new StateTree(workflow);
        StringBuilder out = new StringBuilder("stateDiagram-v2\n");
        if (workflow.description() != null) out.append("    %% ").append(oneLine(workflow.description())).append('\n');
        block(tree, null, workflow.initial(), workflow.states(), 1, out);
        return out.toString();
    }

    private static void block(StateTree tree, String owner, String initial, List<StateDef> states, int depth, StringBuilder out) {
        String pad = "    ".repeat(depth);
        if (initial != null) out.append(pad).append("[*] --> ").append(initial).append('\n');
        for (StateDef s : states) {
            if (s.description() != null) out.append(pad).append(s.name()).append(" : ").append(label(s.description())).append('\n');
            if (s instanceof StateDef.Composite c) {
                out.append(pad).append("state ").append(c.name()).append(" {\n");
                block(tree, c.name(), c.initial(), c.states(), depth + 1, out);
                out.append(pad).append("}\n");
            }
        }
        // Edges are drawn in the block that encloses both ends; Mermaid places nested ids correctly from there.
        for (StateDef s : tree.workflow().allStates()) {
            for (Transition t : s.transitions()) {
                if (!tree.contains(t.target()) || !java.util.Objects.equals(commonParent(tree, s.name(), t.target()), owner)) continue;
                out.append(pad).append(s.name()).append(" --> ").append(t.target());
                String label = t.label();
                if (!label.isEmpty()) out.append(" : ").append(label(label));
                out.append('\n');
            }
        }
        for (StateDef s : states) {
            if (s instanceof StateDef.Final) out.append(pad).append(s.name()).append(" --> [*]\n");
        }
    }

    /** The innermost composite holding both states, or null for the top level. */
    private static String commonParent(StateTree tree, String a, String b) {
        List<String> pa = new ArrayList<>(tree.pathTo(a));
        List<String> pb = tree.pathTo(b);
        String common = null;
        for (int i = 0; i < pa.size() - 1 && i < pb.size() - 1 && pa.get(i).equals(pb.get(i)); i++) common = pa.get(i);
        return common;
    }

    // Mermaid reads ':' , ';' and '#' as syntax; a label must also stay on one line.
    private static String label(String text) {
        return oneLine(text).replace(";", ",").replace("#", "").replace(":", " -").replace("{", "(").replace("}", ")");
    }

    private static String oneLine(String text) {
        return text.strip().replaceAll("\\s+", " ");
    }
}
