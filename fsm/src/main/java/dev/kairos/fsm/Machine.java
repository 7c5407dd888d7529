package dev.kairos.fsm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Schema;
import dev.kairos.fsm.internal.GuardExpression;
import dev.kairos.fsm.internal.SlotSchemas;
import dev.kairos.fsm.internal.StateTree;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated, immutable workflow ready to run, with its guards and hooks bound; {@link #start()} makes instances.
 */
public final class Machine {

    /** The internal completion event: a composite's {@code event: done} transitions run when its final child is entered. */
    public static final String DONE = "done";

    private final Workflow workflow;
    private final StateTree tree;
    private final Map<String, GuardExpression> expressions = new HashMap<>();
    private final Map<String, Guard> codeGuards;
    private final Map<String, Hook> hooks;
    private final Map<String, Schema> slotSchemas = new HashMap<>();
    private final Duration busyTimeout;

    private Machine(Workflow workflow, Map<String, Guard> codeGuards, Map<String, Hook> hooks, Duration busyTimeout) {
        this.workflow = workflow;
        this.busyTimeout = busyTimeout;
        this.tree = new StateTree(workflow);
        this.codeGuards = Map.copyOf(codeGuards);
        this.hooks = Map.copyOf(hooks);
        SlotSchemas schemas = new SlotSchemas();
        for (StateDef s : workflow.allStates()) {
            if (s.slots() != null) slotSchemas.put(s.name(), schemas.compile(s.slots()));
            for (Transition t : s.transitions()) {
                if (t.guard() != null && !Validator.isGuardName(t.guard())) {
                    expressions.put(t.guard(), GuardExpression.parse(t.guard()));
                }
            }
        }
        workflow.guards().values().forEach(g -> expressions.put(g.name(), GuardExpression.parse(g.expression())));
    }

    /** A machine with no code guards or hooks; throws {@link WorkflowException} when the workflow has errors. */
    public static Machine of(Workflow workflow) {
        return builder(workflow).build();
    }

    public static Builder builder(Workflow workflow) {
        return new Builder(workflow);
    }

    /** Binds guards and hooks named in the workflow to code, then validates everything. */
    public static final class Builder {
        private final Workflow workflow;
        private final Map<String, Guard> guards = new LinkedHashMap<>();
        private final Map<String, Hook> hooks = new LinkedHashMap<>();
        private Duration busyTimeout = Duration.ofSeconds(60);

        private Builder(Workflow workflow) {
            this.workflow = workflow;
        }

        public Builder guard(String name, Guard guard) {
            guards.put(name, guard);
            return this;
        }

        public Builder hook(String name, Hook hook) {
            hooks.put(name, hook);
            return this;
        }

        /** How long an event waits for the instance while another one (perhaps a model choice) is handled. */
        public Builder busyTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("busyTimeout must be positive");
            busyTimeout = timeout;
            return this;
        }

        public Machine build() {
            List<Diagnostic> problems = new ArrayList<>(Validator.validate(workflow, guards.keySet()).stream()
                    .filter(Diagnostic::isError).toList());
            for (StateDef s : workflow.allStates()) {
                List<String> named = new ArrayList<>(s.onEntry());
                named.addAll(s.onExit());
                for (String h : named) {
                    if (!hooks.containsKey(h)) {
                        problems.add(Diagnostic.error(s.at(), "unknown-hook", "hook '" + h + "' of state '" + s.name()
                                + "' is not registered"));
                    }
                }
            }
            if (!problems.isEmpty()) throw new WorkflowException(problems);
            return new Machine(workflow, guards, hooks, busyTimeout);
        }
    }

    public Workflow workflow() {
        return workflow;
    }

    public Duration busyTimeout() {
        return busyTimeout;
    }

    /** A new instance in the initial states, with the workflow's initial data and entry hooks run. */
    public MachineInstance start() {
        List<String> path = tree.initialPath();
        ObjectNode data = workflow.data();
        try {
            for (String s : path) data = runHooks(tree.get(s).onEntry(), s, data);
        } catch (HookFailure f) {
            throw new IllegalStateException(f.getMessage(), f.getCause());
        }
        return new MachineInstance(this, new MachineInstance.Config(path, data, List.of(), 0));
    }

    /** An instance exactly as the snapshot recorded it; refuses snapshots of another workflow or unknown states. */
    public MachineInstance restore(Snapshot snapshot) {
        if (!snapshot.workflow().equals(workflow.name())) {
            throw new SnapshotException("snapshot is of workflow '" + snapshot.workflow() + "', not '" + workflow.name() + "'");
        }
        List<String> active = snapshot.active();
        if (active.isEmpty()) throw new SnapshotException("snapshot has an empty active path");
        String parent = null;
        for (String s : active) {
            if (!tree.contains(s)) {
                throw new SnapshotException("snapshot state '" + s + "' does not exist in workflow '" + workflow.name() + "'");
            }
            if (!java.util.Objects.equals(tree.parentOf(s), parent)) {
                throw new SnapshotException("snapshot path " + String.join("/", active) + " is not a path of nested states");
            }
            parent = s;
        }
        if (tree.get(active.getLast()) instanceof StateDef.Composite) {
            throw new SnapshotException("snapshot path " + String.join("/", active) + " ends in composite state '"
                    + active.getLast() + "'");
        }
        return new MachineInstance(this, new MachineInstance.Config(active, snapshot.data(), snapshot.history(), snapshot.sequence()));
    }

    // --- rules used by MachineInstance ---

    StateTree tree() {
        return tree;
    }

    /** Completion transitions apply only when their composite's final child is active; all others always. */
    static boolean applies(StateTree tree, List<String> active, StateTree.Owned o) {
        boolean completion = o.source() instanceof StateDef.Composite && DONE.equals(o.transition().event());
        if (!completion) return true;
        String leaf = active.getLast();
        return tree.get(leaf) instanceof StateDef.Final && o.source().name().equals(tree.parentOf(leaf));
    }

    boolean guardHolds(Transition t, String state, Event event, ObjectNode data) {
        if (t.guard() == null) return true;
        String g = t.guard().trim();
        if (Validator.isGuardName(g) && codeGuards.containsKey(g) && !workflow.guards().containsKey(g)) {
            return codeGuards.get(g).test(state, event, data.deepCopy());
        }
        GuardExpression e = expressions.get(Validator.isGuardName(g) ? g : t.guard());
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.set("data", data);
        root.set("slots", data.get("slots"));
        ObjectNode ev = root.putObject("event");
        ev.put("name", event.name());
        ev.set("data", event.data());
        return e.test(root);
    }

    /** Problems with {@code data.slots} against a state's slot schema; empty when it has none or they are filled. */
    List<String> slotProblems(String state, JsonNode data) {
        Schema schema = slotSchemas.get(state);
        return schema == null ? List.of() : SlotSchemas.problems(schema, data.get("slots"));
    }

    ObjectNode runHooks(List<String> names, String state, ObjectNode data) {
        ObjectNode current = data;
        for (String name : names) {
            try {
                ObjectNode next = hooks.get(name).apply(state, current.deepCopy());
                if (next != null) current = next;
            } catch (RuntimeException e) {
                throw new HookFailure("hook '" + name + "' of state '" + state + "' failed: " + e.getMessage(), e);
            }
        }
        return current;
    }

    /** A hook threw; the event that ran it is rejected. */
    static final class HookFailure extends RuntimeException {
        HookFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
