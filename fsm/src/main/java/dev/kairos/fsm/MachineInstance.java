package dev.kairos.fsm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.fsm.internal.StateTree;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;

/**
 * One running workflow: the active state path, the data and the history. Events are handled one at a time under a
 * lock per instance; a rejected event changes nothing. Reads see the last committed configuration.
 */
public final class MachineInstance {

    /** Everything an instance holds, replaced as a whole on each change so readers never see half an update. */
    record Config(List<String> active, ObjectNode data, List<Step> history, long sequence) {
        Config {
            active = List.copyOf(active);
            history = List.copyOf(history);
        }
    }

    private final Machine machine;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Config config;

    MachineInstance(Machine machine, Config config) {
        this.machine = machine;
        this.config = config;
    }

    public Machine machine() {
        return machine;
    }

    public ActivePath path() {
        return new ActivePath(machine.workflow().name(), config.active());
    }

    public ObjectNode data() {
        return config.data().deepCopy();
    }

    public List<Step> history() {
        return config.history();
    }

    /** True once a top-level final state is active; every later event is rejected. */
    public boolean isFinished() {
        List<String> active = config.active();
        return active.size() == 1 && machine.tree().get(active.getFirst()) instanceof StateDef.Final;
    }

    /** Fires an event where every active state chooses by guards; a model-choice state rejects it. */
    public FireResult fire(Event event) {
        return fire(event, null);
    }

    /** Fires an event; where the active leaf chooses by model, {@code chooser} picks among the enabled transitions. */
    public FireResult fire(Event event, TransitionChooser chooser) {
        if (!acquire()) {
            return new FireResult.Rejected(event, "instance is busy: another event has held it for more than "
                    + machine.busyTimeout().toMillis() + " ms");
        }
        try {
            return handle(event, chooser);
        } finally {
            lock.unlock();
        }
    }

    // Every wait has a bound: a chooser stuck in a model call must not hang the callers queued behind it.
    private boolean acquire() {
        try {
            return lock.tryLock(machine.busyTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Merges {@code patch} into the data without a transition, e.g. slots the user gave one at a time. */
    public void update(ObjectNode patch) {
        if (!acquire()) {
            throw new IllegalStateException("instance is busy: another event has held it for more than "
                    + machine.busyTimeout().toMillis() + " ms");
        }
        try {
            Config c = config;
            ObjectNode data = c.data().deepCopy();
            merge(data, patch);
            config = new Config(c.active(), data, c.history(), c.sequence());
        } finally {
            lock.unlock();
        }
    }

    /** What is still missing or wrong in the slots of the active states, naming each slot; empty when all filled. */
    public List<String> slotProblems() {
        Config c = config;
        List<String> out = new ArrayList<>();
        for (String s : c.active()) {
            machine.slotProblems(s, c.data()).forEach(p -> out.add(s + ": " + p));
        }
        return out;
    }

    /** The tools the active states allow, outer states' first. */
    public List<String> tools() {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String s : config.active()) out.addAll(machine.tree().get(s).tools());
        return List.copyOf(out);
    }

    /** The prompt of the innermost active state that has one, with {@code {{slots.x}}}/{@code {{data.x}}} filled in. */
    public String prompt() {
        return prompt(Map.of());
    }

    /** As {@link #prompt()}, also filling {@code {{name}}} placeholders from {@code values}; others stay as written. */
    public String prompt(Map<String, String> values) {
        Config c = config;
        String template = null;
        for (int i = c.active().size() - 1; i >= 0 && template == null; i--) {
            template = machine.tree().get(c.active().get(i)).prompt();
        }
        if (template == null) return "";
        Matcher m = Validator.PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String key = m.group(1);
            String[] parts = key.split("\\.");
            String value;
            if (values.containsKey(key)) {
                value = values.get(key);
            } else if (parts[0].equals("data") || parts[0].equals("slots")) {
                JsonNode n = parts[0].equals("data") ? c.data() : c.data().path("slots");
                for (int i = 1; i < parts.length; i++) n = n.path(parts[i]);
                value = n.isMissingNode() || n.isNull() ? "" : n.isTextual() ? n.textValue() : n.toString();
            } else {
                value = m.group();
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    public Snapshot snapshot() {
        Config c = config;
        return new Snapshot(Snapshot.VERSION, machine.workflow().name(), c.active(), c.data(), c.history(), c.sequence());
    }

    // --- the event handling itself ---

    private FireResult handle(Event event, TransitionChooser chooser) {
        Config c = config;
        StateTree tree = machine.tree();
        ActivePath from = path();
        if (isFinished()) {
            return new FireResult.Rejected(event, "workflow '" + machine.workflow().name() + "' has finished in '"
                    + c.active().getFirst() + "'");
        }
        ObjectNode data = c.data().deepCopy();
        merge(data, event.data());
        List<StateTree.Owned> enabled = new ArrayList<>();
        List<String> why = new ArrayList<>();
        for (StateTree.Owned o : tree.available(c.active())) {
            Transition t = o.transition();
            boolean completion = o.source() instanceof StateDef.Composite && Machine.DONE.equals(t.event());
            if (completion || (t.event() != null && !t.event().equals(event.name()))) continue;
            String edge = "'" + o.source().name() + "' -> '" + t.target() + "'";
            // Slots first: "slot 'x' is missing" tells the agent what to ask, a false guard does not.
            List<String> missing = t.ignoreSlots() ? List.of() : machine.slotProblems(o.source().name(), data);
            if (!missing.isEmpty()) {
                why.add(edge + " waits for slots: " + String.join(", ", missing));
                continue;
            }
            if (!machine.guardHolds(t, o.source().name(), event, data)) {
                why.add("guard [" + t.guard() + "] of " + edge + " is false");
                continue;
            }
            enabled.add(o);
        }
        if (enabled.isEmpty()) {
            return new FireResult.Rejected(event, "no transition from " + from.relative() + " accepts event '" + event.name()
                    + "'" + (why.isEmpty() ? "" : ": " + String.join("; ", why)));
        }
        // Inner states win: only the innermost state with an enabled transition chooses, in its own choice mode.
        String level = enabled.getFirst().source().name();
        enabled = enabled.stream().filter(o -> o.source().name().equals(level)).toList();
        StateTree.Owned chosen;
        if (choiceOf(tree.pathTo(level)) == ChoiceMode.GUARDS) {
            chosen = enabled.getFirst();
        } else {
            if (chooser == null) {
                return new FireResult.Rejected(event, "state '" + level + "' lets the model choose the next state;"
                        + " fire the event with a TransitionChooser");
            }
            List<Candidate> candidates = enabled.stream().map(o -> new Candidate(o.source().name(), o.transition().target(),
                    o.transition().event(), o.transition().guard(), o.transition().description(),
                    tree.get(o.transition().target()).description())).toList();
            Choice choice;
            try {
                choice = chooser.choose(new ChoiceRequest(from, event, data, candidates, c.history()));
            } catch (RuntimeException e) {
                return new FireResult.Rejected(event, "the transition chooser failed: " + e.getMessage());
            }
            List<String> targets = candidates.stream().map(Candidate::target).distinct().toList();
            switch (choice) {
                case null -> {
                    return new FireResult.Rejected(event, "the transition chooser gave no choice; candidates: " + targets);
                }
                case Choice.Stay stay -> {
                    return new FireResult.Rejected(event, "the model chose to stay in '" + level + "': " + stay.reason());
                }
                case Choice.Target target -> {
                    chosen = enabled.stream().filter(o -> o.transition().target().equals(target.state())).findFirst().orElse(null);
                    if (chosen == null) {
                        return new FireResult.Rejected(event, "the model chose '" + target.state()
                                + "', which is not a candidate; candidates: " + targets);
                    }
                }
            }
        }
        List<String> active = c.active();
        List<String> exited = new ArrayList<>();
        List<String> entered = new ArrayList<>();
        try {
            StateTree.Owned step = chosen;
            // A final child completes its composite: follow done-transitions, at most once per state.
            for (int hops = 0; step != null; hops++) {
                if (hops > tree.states().size()) {
                    return new FireResult.Rejected(event, "done-transitions loop without settling from '" + active.getLast() + "'");
                }
                StateTree.Move move = tree.move(active, step.source().name(), step.transition().target());
                for (String s : move.exited()) data = machine.runHooks(tree.get(s).onExit(), s, data);
                for (String s : move.entered()) data = machine.runHooks(tree.get(s).onEntry(), s, data);
                exited.addAll(move.exited());
                entered.addAll(move.entered());
                active = move.active();
                step = completion(active, event, data);
            }
        } catch (Machine.HookFailure f) {
            return new FireResult.Rejected(event, f.getMessage());
        }
        ActivePath to = new ActivePath(from.workflow(), active);
        List<Step> history = new ArrayList<>(c.history());
        history.add(new Step(c.sequence() + 1, event.name(), from.relative(), to.relative()));
        config = new Config(active, data, history, c.sequence() + 1);
        return new FireResult.Transitioned(event, from, to, exited, entered);
    }

    /** The first enabled done-transition of the composite whose final child just became active, if any. */
    private StateTree.Owned completion(List<String> active, Event event, ObjectNode data) {
        StateTree tree = machine.tree();
        for (StateTree.Owned o : tree.available(active)) {
            if (o.source() instanceof StateDef.Composite && Machine.DONE.equals(o.transition().event())
                    && Machine.applies(tree, active, o) && machine.guardHolds(o.transition(), o.source().name(), event, data)) {
                return o;
            }
        }
        return null;
    }

    /** The choice mode of the last state of {@code path}, inherited from the nearest enclosing state that sets one. */
    private ChoiceMode choiceOf(List<String> active) {
        for (int i = active.size() - 1; i >= 0; i--) {
            ChoiceMode m = machine.tree().get(active.get(i)).choice();
            if (m != null) return m;
        }
        return ChoiceMode.GUARDS;
    }

    /** Objects merge key by key; anything else in {@code patch} replaces what was there. */
    static void merge(ObjectNode target, ObjectNode patch) {
        patch.properties().forEach(e -> {
            if (e.getValue() instanceof ObjectNode p && target.get(e.getKey()) instanceof ObjectNode t) {
                merge(t, p);
            } else {
                target.set(e.getKey(), e.getValue().deepCopy());
            }
        });
    }
}
