package dev.kairos.fsm.internal;

import dev.kairos.fsm.StateDef;
import dev.kairos.fsm.Transition;
import dev.kairos.fsm.Workflow;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state hierarchy of a workflow indexed by name: parents, children, and the exit and entry sequences of a
 * transition. Shared by validation and the runtime so both agree on the rules. Assumes unique names.
 */
public final class StateTree {

    private final Workflow workflow;
    private final Map<String, StateDef> byName = new LinkedHashMap<>();
    private final Map<String, String> parent = new LinkedHashMap<>();

    public StateTree(Workflow workflow) {
        this.workflow = workflow;
        index(workflow.states(), null);
    }

    private void index(List<StateDef> level, String parentName) {
        for (StateDef s : level) {
            byName.putIfAbsent(s.name(), s);
            parent.putIfAbsent(s.name(), parentName);
            if (s instanceof StateDef.Composite c) index(c.states(), s.name());
        }
    }

    public Workflow workflow() {
        return workflow;
    }

    public StateDef get(String name) {
        return byName.get(name);
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    public Map<String, StateDef> states() {
        return Collections.unmodifiableMap(byName);
    }

    /** The enclosing composite state, or null at the top level. */
    public String parentOf(String name) {
        return parent.get(name);
    }

    /** From the outermost ancestor down to {@code name} itself. */
    public List<String> pathTo(String name) {
        List<String> out = new ArrayList<>();
        for (String s = name; s != null; s = parent.get(s)) out.add(s);
        Collections.reverse(out);
        return out;
    }

    /** {@code name} and its default descendants: a composite is entered through its initial child, recursively. */
    public List<String> defaultEntry(String name) {
        List<String> out = new ArrayList<>();
        StateDef s = byName.get(name);
        out.add(name);
        while (s instanceof StateDef.Composite c && c.initial() != null && byName.containsKey(c.initial())) {
            out.add(c.initial());
            s = byName.get(c.initial());
        }
        return out;
    }

    /** The active path the workflow starts in. */
    public List<String> initialPath() {
        return workflow.initial() == null ? List.of() : defaultEntry(workflow.initial());
    }

    /**
     * The states a transition from {@code source} to {@code target} leaves and enters, given the active path.
     * The transition's domain is the nearest proper ancestor of the source that also holds the target, so a
     * transition to the source itself or into it leaves and re-enters the source (external semantics).
     */
    public Move move(List<String> active, String source, String target) {
        List<String> sourceAncestors = pathTo(source);
        List<String> targetPath = pathTo(target);
        int depth = 0; // length of the shared prefix that stays active
        while (depth < sourceAncestors.size() - 1 && depth < targetPath.size() - 1
                && sourceAncestors.get(depth).equals(targetPath.get(depth))) {
            depth++;
        }
        List<String> exited = new ArrayList<>();
        for (int i = active.size() - 1; i >= depth; i--) exited.add(active.get(i)); // innermost first
        List<String> entered = new ArrayList<>(targetPath.subList(depth, targetPath.size()));
        List<String> tail = defaultEntry(target);
        entered.addAll(tail.subList(1, tail.size()));
        List<String> next = new ArrayList<>(active.subList(0, depth));
        next.addAll(entered);
        return new Move(List.copyOf(exited), List.copyOf(entered), List.copyOf(next));
    }

    /** Exited states innermost first, entered states outermost first, and the resulting active path. */
    public record Move(List<String> exited, List<String> entered, List<String> active) {
    }

    /** Transitions available in an active path: the innermost state's first, then its ancestors'. */
    public List<Owned> available(List<String> active) {
        List<Owned> out = new ArrayList<>();
        for (int i = active.size() - 1; i >= 0; i--) {
            StateDef s = byName.get(active.get(i));
            for (Transition t : s.transitions()) out.add(new Owned(s, t));
        }
        return out;
    }

    /** A transition together with the state that declares it. */
    public record Owned(StateDef source, Transition transition) {
    }
}
