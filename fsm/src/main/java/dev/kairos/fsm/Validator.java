package dev.kairos.fsm;

import dev.kairos.fsm.internal.GuardExpression;
import dev.kairos.fsm.internal.SlotSchemas;
import dev.kairos.fsm.internal.StateTree;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a workflow definition and reports every problem with its position. Errors: {@code bad-name},
 * {@code duplicate-name}, {@code missing-initial}, {@code unknown-initial}, {@code unknown-target},
 * {@code final-outgoing}, {@code guard-syntax}, {@code unknown-guard}, {@code slot-schema}, {@code undeclared-slot},
 * {@code unreachable-state}. Warnings: {@code code-guard} (a guard name left for code to register) and
 * {@code no-exit-cycle} (states that can loop forever without reaching a final state).
 */
public final class Validator {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** Placeholders in prompts: {{slots.x}}, {{data.a.b}}, or a name the agent fills in. */
    public static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z_][A-Za-z0-9_.]*)\\s*}}");

    private final Workflow wf;
    private final Set<String> codeGuards;
    private final List<Diagnostic> out = new ArrayList<>();

    private Validator(Workflow wf, Set<String> codeGuards) {
        this.wf = wf;
        this.codeGuards = codeGuards;
    }

    /** Validates with guard names not yet known: unknown guard names are warnings. */
    public static List<Diagnostic> validate(Workflow workflow) {
        return new Validator(workflow, null).run();
    }

    /** Validates knowing every guard registered in code: any other unknown guard name is an error. */
    public static List<Diagnostic> validate(Workflow workflow, Set<String> codeGuards) {
        return new Validator(workflow, Set.copyOf(codeGuards)).run();
    }

    /** True when {@code guard} is a guard name rather than an expression. */
    public static boolean isGuardName(String guard) {
        return NAME.matcher(guard.trim()).matches() && !Set.of("true", "false", "null").contains(guard.trim())
                && !GuardExpression.ROOTS.contains(guard.trim());
    }

    private List<Diagnostic> run() {
        List<StateDef> all = wf.allStates();
        Map<String, StateDef> first = new HashMap<>();
        for (StateDef s : all) {
            if (!NAME.matcher(s.name()).matches()) {
                out.add(Diagnostic.error(s.at(), "bad-name", "state name '" + s.name()
                        + "' must start with a letter or '_' and hold only letters, digits and '_'"));
            }
            StateDef earlier = first.putIfAbsent(s.name(), s);
            if (earlier != null) {
                out.add(Diagnostic.error(s.at(), "duplicate-name", "state '" + s.name() + "' is already defined at line "
                        + earlier.at().line()));
            }
        }
        StateTree tree = new StateTree(wf);
        checkInitial(wf.initial(), wf.states(), wf.at(), "workflow '" + wf.name() + "'");
        for (StateDef s : all) {
            if (s instanceof StateDef.Composite c) {
                checkInitial(c.initial(), c.states(), c.at(), "composite state '" + c.name() + "'");
            }
            for (Transition t : s.transitions()) {
                if (!tree.contains(t.target())) {
                    out.add(Diagnostic.error(t.at(), "unknown-target", "transition of '" + s.name() + "' goes to unknown state '"
                            + t.target() + "'"));
                }
                if (s instanceof StateDef.Final) {
                    out.add(Diagnostic.error(t.at(), "final-outgoing", "final state '" + s.name() + "' must not have transitions"));
                }
            }
        }
        Set<String> declaredSlots = checkSlots(all);
        checkGuards(all, declaredSlots);
        checkPrompts(all, declaredSlots);
        if (out.stream().noneMatch(Diagnostic::isError)) {
            checkReachability(tree);
        }
        return List.copyOf(out);
    }

    private void checkInitial(String initial, List<StateDef> children, Source at, String what) {
        if (initial == null) {
            out.add(Diagnostic.error(at, "missing-initial", what + " has no 'initial' state"));
        } else if (children.stream().noneMatch(c -> c.name().equals(initial))) {
            out.add(Diagnostic.error(at, "unknown-initial", what + ": initial state '" + initial
                    + "' is not one of its states " + children.stream().map(StateDef::name).toList()));
        }
    }

    private Set<String> checkSlots(List<StateDef> all) {
        SlotSchemas schemas = new SlotSchemas();
        Set<String> declared = new LinkedHashSet<>();
        for (StateDef s : all) {
            if (s.slots() == null) continue;
            List<String> problems = schemas.schemaProblems(s.slots());
            if (!problems.isEmpty()) {
                out.add(Diagnostic.error(s.at(), "slot-schema", "state '" + s.name() + "': slots schema is invalid: "
                        + String.join("; ", problems)));
            }
            declared.addAll(SlotSchemas.declared(s.slots()));
        }
        return declared;
    }

    private void checkGuards(List<StateDef> all, Set<String> declaredSlots) {
        for (NamedGuard g : wf.guards().values()) {
            if (!isGuardName(g.name())) {
                out.add(Diagnostic.error(g.at(), "bad-name", "guard name '" + g.name()
                        + "' must start with a letter or '_', hold only letters, digits and '_', and not be true, false, null, data, slots or event"));
            }
            expression(g.expression(), g.at(), "guard '" + g.name() + "'", declaredSlots);
        }
        for (StateDef s : all) {
            for (Transition t : s.transitions()) {
                if (t.guard() == null) continue;
                if (isGuardName(t.guard())) {
                    String name = t.guard().trim();
                    if (wf.guards().containsKey(name)) continue;
                    if (codeGuards == null) {
                        out.add(Diagnostic.warning(t.guardAt(), "code-guard", "guard '" + name + "' (transition of '" + s.name()
                                + "') is not declared under 'guards:'; it must be registered in code"));
                    } else if (!codeGuards.contains(name)) {
                        out.add(Diagnostic.error(t.guardAt(), "unknown-guard", "guard '" + name + "' (transition of '" + s.name()
                                + "') is neither declared under 'guards:' nor registered in code"));
                    }
                } else {
                    expression(t.guard(), t.guardAt(), "guard of transition '" + s.name() + "' -> '" + t.target() + "'", declaredSlots);
                }
            }
        }
    }

    private void expression(String text, Source at, String what, Set<String> declaredSlots) {
        try {
            GuardExpression e = GuardExpression.parse(text);
            for (List<String> path : e.paths()) {
                if (path.getFirst().equals("slots") && path.size() > 1 && !declaredSlots.contains(path.get(1))) {
                    out.add(Diagnostic.error(at, "undeclared-slot", what + " reads slot '" + path.get(1)
                            + "', which no state declares under 'slots'"));
                }
            }
        } catch (GuardExpression.SyntaxError err) {
            out.add(Diagnostic.error(at.shifted(err.offset()), "guard-syntax", what + ": " + err.getMessage()
                    + " in '" + text + "'"));
        }
    }

    private void checkPrompts(List<StateDef> all, Set<String> declaredSlots) {
        for (StateDef s : all) {
            if (s.prompt() == null) continue;
            Matcher m = PLACEHOLDER.matcher(s.prompt());
            while (m.find()) {
                String[] parts = m.group(1).split("\\.");
                if (parts[0].equals("slots") && parts.length > 1 && !declaredSlots.contains(parts[1])) {
                    out.add(Diagnostic.error(s.at(), "undeclared-slot", "prompt of '" + s.name() + "' uses slot '" + parts[1]
                            + "', which no state declares under 'slots'"));
                }
            }
        }
    }

    /** Walks every active path the machine can reach, ignoring guards (any guard might hold). */
    private void checkReachability(StateTree tree) {
        List<String> start = tree.initialPath();
        Map<String, List<String>> pathByLeaf = new LinkedHashMap<>();
        Map<String, Set<String>> edges = new LinkedHashMap<>();
        Deque<List<String>> todo = new ArrayDeque<>();
        todo.add(start);
        pathByLeaf.put(start.getLast(), start);
        while (!todo.isEmpty()) {
            List<String> active = todo.poll();
            String leaf = active.getLast();
            Set<String> next = edges.computeIfAbsent(leaf, k -> new LinkedHashSet<>());
            if (tree.get(leaf) instanceof StateDef.Final && tree.parentOf(leaf) == null) continue; // the workflow ended
            for (StateTree.Owned o : tree.available(active)) {
                if (!Machine.applies(tree, active, o)) continue;
                List<String> after = tree.move(active, o.source().name(), o.transition().target()).active();
                next.add(after.getLast());
                if (pathByLeaf.putIfAbsent(after.getLast(), after) == null) todo.add(after);
            }
        }
        Set<String> reached = new HashSet<>();
        pathByLeaf.values().forEach(reached::addAll);
        for (StateDef s : wf.allStates()) {
            if (!reached.contains(s.name())) {
                out.add(Diagnostic.error(s.at(), "unreachable-state", "state '" + s.name() + "' can never be entered from '"
                        + wf.initial() + "'"));
            }
        }
        warnTraps(tree, edges);
    }

    /** Warns about loops among states from which no final state of the workflow can be reached. */
    private void warnTraps(StateTree tree, Map<String, Set<String>> edges) {
        Set<String> canEnd = new HashSet<>();
        for (String leaf : edges.keySet()) {
            if (tree.get(leaf) instanceof StateDef.Final && tree.parentOf(leaf) == null) canEnd.add(leaf);
        }
        boolean grew = true;
        while (grew) {
            grew = false;
            for (var e : edges.entrySet()) {
                if (!canEnd.contains(e.getKey()) && e.getValue().stream().anyMatch(canEnd::contains)) {
                    canEnd.add(e.getKey());
                    grew = true;
                }
            }
        }
        Set<String> reported = new HashSet<>();
        for (String leaf : edges.keySet()) {
            if (canEnd.contains(leaf) || reported.contains(leaf)) continue;
            List<String> cycle = cycleThrough(leaf, edges, canEnd);
            if (cycle.isEmpty()) continue;
            reported.addAll(cycle);
            out.add(Diagnostic.warning(tree.get(leaf).at(), "no-exit-cycle", "states " + String.join(" -> ", cycle) + " -> "
                    + cycle.getFirst() + " form a cycle with no way out to a final state"));
        }
    }

    /** A shortest cycle from {@code leaf} back to itself among states that cannot end, or empty. */
    private static List<String> cycleThrough(String leaf, Map<String, Set<String>> edges, Set<String> canEnd) {
        Map<String, String> prev = new HashMap<>();
        Deque<String> todo = new ArrayDeque<>(List.of(leaf));
        while (!todo.isEmpty()) {
            String s = todo.poll();
            for (String n : edges.getOrDefault(s, Set.of())) {
                if (canEnd.contains(n)) continue;
                if (n.equals(leaf)) {
                    List<String> cycle = new ArrayList<>();
                    for (String c = s; c != null; c = prev.get(c)) cycle.addFirst(c);
                    return cycle;
                }
                if (!prev.containsKey(n) && !n.equals(leaf)) {
                    prev.put(n, s);
                    todo.add(n);
                }
            }
        }
        return List.of();
    }
}
