package dev.kairos.fsm;

import dev.kairos.fsm.internal.StateTree;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Properties over generated hierarchical machines (random nesting, events, guards, model choice, entry hooks that
 * change the data) driven by random event sequences.
 */
class MachinePropertiesTest {

    static final List<String> EVENTS = List.of("a", "b", "c", "next");
    static final List<String> GUARDS = List.of("data.n > 2", "event.data.k == 1", "!(data.n > 4) || event.data.k == 0");

    /** One fired event with a small payload. */
    record Fire(String event, int k) {
        Event toEvent() {
            return Event.of(event, Map.of("k", k));
        }
    }

    @Provide
    Arbitrary<List<Fire>> fires() {
        Arbitrary<Fire> fire = Combinators.combine(Arbitraries.of(EVENTS), Arbitraries.integers().between(0, 1)).as(Fire::new);
        return fire.list().ofMaxSize(40);
    }

    /** A machine built from a seed: names S0..Sn, nested up to three deep, every state reachable by 'next' edges. */
    static Workflow generate(long seed) {
        Random r = new Random(seed);
        int[] counter = {0};
        List<StateDef> top = level(r, counter, 0, 2 + r.nextInt(4));
        List<String> all = new ArrayList<>();
        collectNames(top, all);
        top = wire(r, top, all);
        return new Workflow("Gen" + seed, null, top.getFirst().name(), top, Map.of(), null, null);
    }

    private static List<StateDef> level(Random r, int[] counter, int depth, int size) {
        List<StateDef> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            String name = "S" + counter[0]++;
            int kind = r.nextInt(10);
            boolean last = i == size - 1;
            if (i > 0 && last && kind < 4) {
                out.add(new StateDef.Final(name, null, null, List.of("bump"), List.of(), null));
            } else if (depth < 2 && kind >= 7) {
                List<StateDef> children = level(r, counter, depth + 1, 1 + r.nextInt(3));
                ChoiceMode choice = r.nextInt(4) == 0 ? ChoiceMode.MODEL : null;
                out.add(new StateDef.Composite(name, null, null, List.of(), null, choice, List.of("bump"), List.of("bump"),
                        List.of(), children.getFirst().name(), children, null));
            } else {
                ChoiceMode choice = r.nextInt(4) == 0 ? ChoiceMode.MODEL : null;
                out.add(new StateDef.Atomic(name, null, null, List.of(), null, choice, List.of("bump"), List.of(), List.of(), null));
            }
        }
        return out;
    }

    private static void collectNames(List<StateDef> level, List<String> out) {
        for (StateDef s : level) {
            out.add(s.name());
            if (s instanceof StateDef.Composite c) collectNames(c.states(), out);
        }
    }

    /** Adds a 'next' chain through each level plus random edges, and 'done' edges to some composites. */
    private static List<StateDef> wire(Random r, List<StateDef> level, List<String> all) {
        List<StateDef> out = new ArrayList<>();
        for (int i = 0; i < level.size(); i++) {
            StateDef s = level.get(i);
            List<Transition> ts = new ArrayList<>();
            if (!(s instanceof StateDef.Final)) {
                if (i + 1 < level.size()) ts.add(Transition.on("next", level.get(i + 1).name()));
                for (int j = r.nextInt(4); j > 0; j--) {
                    String event = r.nextInt(5) == 0 ? null : EVENTS.get(r.nextInt(EVENTS.size()));
                    String guard = r.nextInt(3) == 0 ? GUARDS.get(r.nextInt(GUARDS.size())) : null;
                    ts.add(new Transition(event, guard, all.get(r.nextInt(all.size())), null, false, null, null));
                }
            }
            out.add(switch (s) {
                case StateDef.Atomic a -> new StateDef.Atomic(a.name(), null, null, List.of(), null, a.choice(), a.onEntry(),
                        a.onExit(), ts, null);
                case StateDef.Final f -> f;
                case StateDef.Composite c -> {
                    if (r.nextBoolean()) ts.add(Transition.on(Machine.DONE, all.get(r.nextInt(all.size()))));
                    yield new StateDef.Composite(c.name(), null, null, List.of(), null, c.choice(), c.onEntry(), c.onExit(),
                            ts, c.initial(), wire(r, c.states(), all), null);
                }
            });
        }
        return out;
    }

    static Machine machine(Workflow wf) {
        return Machine.builder(wf).hook("bump", (state, data) -> {
            data.put("n", data.path("n").asInt() + 1);
            return data;
        }).build();
    }

    /** Deterministic, and sometimes wrong on purpose: picks outside the candidates or stays. */
    static Choice choose(ChoiceRequest request) {
        int k = request.event().data().path("k").asInt();
        int pick = request.history().size() + k;
        if (pick % 5 == 3) return Choice.to("Nowhere");
        if (pick % 7 == 6) return Choice.stay("not sure");
        return Choice.to(request.candidates().get(pick % request.candidates().size()).target());
    }

    static FireResult fire(MachineInstance m, Fire f) {
        return m.fire(f.toEvent(), MachinePropertiesTest::choose);
    }

    @Property(tries = 300)
    void theInstanceIsAlwaysInADefinedState(@ForAll long seed, @ForAll("fires") List<Fire> fires) {
        Workflow wf = generate(seed);
        StateTree tree = new StateTree(wf);
        MachineInstance m = machine(wf).start();
        assertDefined(tree, m.path().states());
        int moved = 0;
        for (Fire f : fires) {
            if (fire(m, f) instanceof FireResult.Transitioned) moved++;
            assertDefined(tree, m.path().states());
        }
        // Shows in the report that the generated runs do move, and through nested states.
        Statistics.label("depth").collect(wf.allStates().stream().mapToInt(st -> tree.pathTo(st.name()).size()).max().orElse(0));
        Statistics.label("moved").collect(moved == 0 ? "none" : moved < 5 ? "1-4" : "5+");
    }

    static void assertDefined(StateTree tree, List<String> path) {
        assertTrue(!path.isEmpty(), "empty path");
        String parent = null;
        for (String s : path) {
            assertNotNull(tree.get(s), () -> "unknown state " + s + " in " + path);
            assertEquals(parent, tree.parentOf(s), () -> "broken nesting " + path);
            parent = s;
        }
        assertTrue(!(tree.get(path.getLast()) instanceof StateDef.Composite), () -> "path ends in a composite: " + path);
    }

    @Property(tries = 300)
    void snapshotThenRestoreBehavesTheSame(@ForAll long seed, @ForAll("fires") List<Fire> prefix,
                                           @ForAll("fires") List<Fire> suffix) {
        Workflow wf = generate(seed);
        MachineInstance original = machine(wf).start();
        prefix.forEach(f -> fire(original, f));
        String json = original.snapshot().toJson();
        MachineInstance resumed = machine(wf).restore(Snapshot.fromJson(json));
        assertEquals(json, resumed.snapshot().toJson());
        for (Fire f : suffix) {
            assertEquals(fire(original, f), fire(resumed, f));
        }
        assertEquals(original.snapshot().toJson(), resumed.snapshot().toJson());
    }

    @Property(tries = 300)
    void exitsAreInnermostFirstAndEntriesOutermostFirst(@ForAll long seed, @ForAll("fires") List<Fire> fires) {
        Workflow wf = generate(seed);
        StateTree tree = new StateTree(wf);
        MachineInstance m = machine(wf).start();
        for (Fire f : fires) {
            if (!(fire(m, f) instanceof FireResult.Transitioned t)) continue;
            List<String> stack = new ArrayList<>(t.from().states());
            // Replaying exits and entries as pops and pushes must be possible and must end on the new path.
            int e = 0;
            int x = 0;
            while (x < t.exited().size() || e < t.entered().size()) {
                if (x < t.exited().size() && !stack.isEmpty() && stack.getLast().equals(t.exited().get(x))) {
                    stack.removeLast();
                    x++;
                } else {
                    assertTrue(e < t.entered().size(), () -> "exit of a state that is not innermost: " + t);
                    String s = t.entered().get(e++);
                    assertEquals(stack.isEmpty() ? null : stack.getLast(), tree.parentOf(s), () -> "entered " + s
                            + " before its parent: " + t);
                    stack.add(s);
                }
            }
            assertEquals(t.to().states(), stack);
        }
    }

    @Property(tries = 300)
    void rejectedEventsChangeNothing(@ForAll long seed, @ForAll("fires") List<Fire> fires) {
        Workflow wf = generate(seed);
        MachineInstance m = machine(wf).start();
        for (Fire f : fires) {
            String before = m.snapshot().toJson();
            if (fire(m, f) instanceof FireResult.Rejected) {
                assertEquals(before, m.snapshot().toJson());
            }
        }
    }

    @Property(tries = 200)
    void twoInstancesFedTheSameEventsAgree(@ForAll long seed, @ForAll("fires") List<Fire> fires) {
        Machine machine = machine(generate(seed));
        MachineInstance one = machine.start();
        MachineInstance two = machine.start();
        for (Fire f : fires) assertEquals(fire(one, f), fire(two, f));
    }

    @Property(tries = 100)
    void generatedMachinesAreValid(@ForAll @IntRange(min = 0, max = 100_000) int seed) {
        List<Diagnostic> errors = Validator.validate(generate(seed)).stream().filter(Diagnostic::isError).toList();
        assertEquals(List.of(), errors);
        String mermaid = MermaidRenderer.render(generate(seed));
        assertTrue(mermaid.startsWith("stateDiagram-v2\n"));
    }
}
