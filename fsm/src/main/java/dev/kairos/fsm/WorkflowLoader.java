package dev.kairos.fsm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads workflow files (YAML, or JSON, which the YAML reader also accepts), keeping the line and column of every
 * state, transition and guard so that each {@link Diagnostic} points at the place to fix.
 */
public final class WorkflowLoader {

    /** What reading a file gave: the workflow (null when its structure was too broken) and every diagnostic. */
    public record Result(Workflow workflow, List<Diagnostic> diagnostics) {
        public Result {
            diagnostics = List.copyOf(diagnostics);
        }

        public boolean hasErrors() {
            return workflow == null || diagnostics.stream().anyMatch(Diagnostic::isError);
        }
    }

    private static final Set<String> WORKFLOW_KEYS = Set.of("workflow", "description", "initial", "data", "guards", "states");
    private static final Set<String> STATE_KEYS = Set.of("type", "description", "prompt", "tools", "slots", "choice",
            "onEntry", "onExit", "transitions", "initial", "states", "react");
    /** The sub-loop's step bound when a state says just {@code react: true}. */
    public static final int DEFAULT_REACT_STEPS = 5;
    private static final int MAX_REACT_STEPS = 50;
    private static final Set<String> FINAL_KEYS = Set.of("type", "description", "prompt", "onEntry", "transitions");
    private static final Set<String> TRANSITION_KEYS = Set.of("event", "guard", "target", "description", "ignoreSlots");

    private final String file;
    private final List<Diagnostic> diagnostics = new ArrayList<>();

    private WorkflowLoader(String file) {
        this.file = file;
    }

    /** Reads and validates; the result holds the workflow and every error and warning. */
    public static Result read(String file, String text) {
        WorkflowLoader loader = new WorkflowLoader(file);
        Workflow wf = loader.parse(text);
        List<Diagnostic> all = new ArrayList<>(loader.diagnostics);
        if (wf != null && loader.diagnostics.stream().noneMatch(Diagnostic::isError)) {
            all.addAll(Validator.validate(wf));
        }
        return new Result(wf, all);
    }

    /** Reads and validates, throwing {@link WorkflowException} when there is any error. */
    public static Workflow load(String file, String text) {
        Result r = read(file, text);
        if (r.hasErrors()) {
            throw new WorkflowException(r.diagnostics().stream().filter(Diagnostic::isError).toList());
        }
        return r.workflow();
    }

    public static Workflow load(Path path) throws IOException {
        return load(path.toString(), Files.readString(path));
    }

    private Workflow parse(String text) {
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(true); // we report duplicates ourselves, with their position
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            diagnostics.add(Diagnostic.error(at(m), "syntax", "not valid YAML/JSON: " + e.getProblem()));
            return null;
        } catch (YAMLException e) {
            diagnostics.add(Diagnostic.error(new Source(file, 1, 1), "syntax", "not valid YAML/JSON: " + e.getMessage()));
            return null;
        }
        if (!(root instanceof MappingNode map)) {
            Source where = root == null ? new Source(file, 1, 1) : at(root);
            diagnostics.add(Diagnostic.error(where, "structure", "a workflow file must be a mapping with 'workflow' and 'states'"));
            return null;
        }
        Map<String, NodeTuple> keys = keys(map, WORKFLOW_KEYS, "workflow");
        String name = text(keys, "workflow");
        if (name == null) {
            diagnostics.add(Diagnostic.error(at(map), "missing-key", "missing key 'workflow' (the workflow's name)"));
            name = "workflow";
        }
        Map<String, NamedGuard> guards = new LinkedHashMap<>();
        if (keys.containsKey("guards") && mapping(keys.get("guards").getValueNode(), "guards") instanceof MappingNode g) {
            for (NodeTuple t : g.getValue()) {
                String gName = scalar(t.getKeyNode(), "guard name");
                String expr = scalar(t.getValueNode(), "guard '" + gName + "'");
                if (gName == null || expr == null) continue;
                if (guards.containsKey(gName)) {
                    diagnostics.add(Diagnostic.error(at(t.getKeyNode()), "duplicate-name", "guard '" + gName + "' is declared twice"));
                }
                guards.put(gName, new NamedGuard(gName, expr, valueAt(t.getValueNode())));
            }
        }
        ObjectNode data = null;
        if (keys.containsKey("data")) {
            JsonNode d = json(keys.get("data").getValueNode());
            if (d instanceof ObjectNode o) data = o;
            else diagnostics.add(Diagnostic.error(at(keys.get("data").getValueNode()), "type", "'data' must be a mapping"));
        }
        List<StateDef> states = keys.containsKey("states") ? states(keys.get("states").getValueNode()) : List.of();
        if (!keys.containsKey("states")) {
            diagnostics.add(Diagnostic.error(at(map), "missing-key", "missing key 'states'"));
        }
        return new Workflow(name, text(keys, "description"), text(keys, "initial"), states, guards, data,
                keys.containsKey("initial") ? at(keys.get("initial").getValueNode()) : at(map));
    }

    private List<StateDef> states(Node node) {
        List<StateDef> out = new ArrayList<>();
        if (!(mapping(node, "states") instanceof MappingNode map)) return out;
        for (NodeTuple t : map.getValue()) {
            String name = scalar(t.getKeyNode(), "state name");
            if (name == null) continue;
            StateDef s = state(name, at(t.getKeyNode()), t.getValueNode());
            if (s != null) out.add(s);
        }
        return out;
    }

    private StateDef state(String name, Source at, Node node) {
        if (node instanceof ScalarNode sc && sc.getTag().equals(Tag.NULL)) {
            return new StateDef.Atomic(name, null, null, List.of(), null, null, List.of(), List.of(), List.of(), at);
        }
        if (!(mapping(node, "state '" + name + "'") instanceof MappingNode map)) return null;
        String type = null;
        for (NodeTuple t : map.getValue()) {
            if ("type".equals(rawKey(t)) && t.getValueNode() instanceof ScalarNode v) type = v.getValue();
        }
        boolean hasChildren = map.getValue().stream().anyMatch(t -> "states".equals(rawKey(t)));
        if (type != null && !Set.of("atomic", "composite", "final").contains(type)) {
            diagnostics.add(Diagnostic.error(at(node), "type", "state '" + name + "': type must be atomic, composite or final, not '" + type + "'"));
            type = null;
        }
        boolean isFinal = "final".equals(type);
        Map<String, NodeTuple> keys = keys(map, isFinal ? FINAL_KEYS : STATE_KEYS, "state '" + name + "'");
        List<Transition> transitions = keys.containsKey("transitions") ? transitions(name, keys.get("transitions").getValueNode()) : List.of();
        String description = text(keys, "description");
        String prompt = text(keys, "prompt");
        List<String> onEntry = names(keys, "onEntry", name);
        if (isFinal) {
            return new StateDef.Final(name, description, prompt, onEntry, transitions, at);
        }
        List<String> tools = names(keys, "tools", name);
        List<String> onExit = names(keys, "onExit", name);
        JsonNode slots = keys.containsKey("slots") ? json(keys.get("slots").getValueNode()) : null;
        ChoiceMode choice = null;
        String c = text(keys, "choice");
        if (c != null) {
            try {
                choice = ChoiceMode.valueOf(c.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                diagnostics.add(Diagnostic.error(at(keys.get("choice").getValueNode()), "type",
                        "state '" + name + "': choice must be 'guards' or 'model', not '" + c + "'"));
            }
        }
        if ("atomic".equals(type) && hasChildren) {
            diagnostics.add(Diagnostic.error(at, "type", "state '" + name + "' is atomic but has 'states'"));
        }
        if ("composite".equals(type) && !hasChildren) {
            diagnostics.add(Diagnostic.error(at, "type", "composite state '" + name + "' has no 'states'"));
        }
        int react = keys.containsKey("react") ? react(name, keys.get("react").getValueNode()) : 0;
        if (react > 0 && hasChildren) {
            diagnostics.add(Diagnostic.error(at(keys.get("react").getKeyNode()), "type",
                    "state '" + name + "': 'react' is for atomic states (a sub-task in one state), not composite ones"));
        }
        if (react > 0 && tools.isEmpty()) {
            diagnostics.add(Diagnostic.error(at(keys.get("react").getKeyNode()), "type",
                    "state '" + name + "': 'react' runs a sub-task with the state's tools, but it has no 'tools'"));
        }
        if (hasChildren) {
            List<StateDef> children = states(keys.get("states").getValueNode());
            return new StateDef.Composite(name, description, prompt, tools, slots, choice, onEntry, onExit, transitions,
                    text(keys, "initial"), children, at);
        }
        if (keys.containsKey("initial")) {
            diagnostics.add(Diagnostic.error(at(keys.get("initial").getKeyNode()), "unknown-key",
                    "state '" + name + "' has 'initial' but no nested 'states'"));
        }
        return new StateDef.Atomic(name, description, prompt, tools, slots, choice, onEntry, onExit, transitions, at, react);
    }

    /** {@code react: true|false} or {@code react: {max_steps: N}} (1..50): the sub-loop's step bound, 0 for none. */
    private int react(String state, Node node) {
        String wrong = "state '" + state + "': 'react' must be true, false or {max_steps: N} with N from 1 to " + MAX_REACT_STEPS;
        JsonNode v = json(node);
        if (v.isBoolean()) {
            return v.asBoolean() ? DEFAULT_REACT_STEPS : 0;
        }
        if (node instanceof MappingNode m) {
            Map<String, NodeTuple> keys = keys(m, Set.of("max_steps"), "state '" + state + "': react");
            if (!keys.containsKey("max_steps")) {
                return DEFAULT_REACT_STEPS;
            }
            JsonNode n = json(keys.get("max_steps").getValueNode());
            if (n.isIntegralNumber() && n.asLong() >= 1 && n.asLong() <= MAX_REACT_STEPS) {
                return n.asInt();
            }
            diagnostics.add(Diagnostic.error(valueAt(keys.get("max_steps").getValueNode()), "type", wrong));
            return 0;
        }
        diagnostics.add(Diagnostic.error(valueAt(node), "type", wrong));
        return 0;
    }

    private List<Transition> transitions(String state, Node node) {
        List<Transition> out = new ArrayList<>();
        if (!(node instanceof SequenceNode seq)) {
            diagnostics.add(Diagnostic.error(at(node), "type", "state '" + state + "': 'transitions' must be a list"));
            return out;
        }
        for (Node item : seq.getValue()) {
            if (!(mapping(item, "a transition of '" + state + "'") instanceof MappingNode map)) continue;
            Map<String, NodeTuple> keys = keys(map, TRANSITION_KEYS, "transition of '" + state + "'");
            String target = text(keys, "target");
            if (target == null) {
                diagnostics.add(Diagnostic.error(at(map), "missing-key", "transition of '" + state + "' has no 'target'"));
                continue;
            }
            boolean ignoreSlots = false;
            if (keys.containsKey("ignoreSlots")) {
                JsonNode b = json(keys.get("ignoreSlots").getValueNode());
                if (!b.isBoolean()) {
                    diagnostics.add(Diagnostic.error(at(keys.get("ignoreSlots").getValueNode()), "type", "'ignoreSlots' must be true or false"));
                }
                ignoreSlots = b.asBoolean();
            }
            String guard = text(keys, "guard");
            Source guardAt = keys.containsKey("guard") ? valueAt(keys.get("guard").getValueNode()) : null;
            out.add(new Transition(text(keys, "event"), guard, target, text(keys, "description"), ignoreSlots, at(map), guardAt));
        }
        return out;
    }

    // --- small readers over the node tree, each reporting what is wrong where ---

    private Map<String, NodeTuple> keys(MappingNode map, Set<String> allowed, String what) {
        Map<String, NodeTuple> out = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (NodeTuple t : map.getValue()) {
            String k = scalar(t.getKeyNode(), "key");
            if (k == null) continue;
            if (!seen.add(k)) {
                diagnostics.add(Diagnostic.error(at(t.getKeyNode()), "duplicate-key", what + ": key '" + k + "' appears twice"));
            } else if (!allowed.contains(k)) {
                diagnostics.add(Diagnostic.error(at(t.getKeyNode()), "unknown-key",
                        what + ": unknown key '" + k + "' (expected one of " + new java.util.TreeSet<>(allowed) + ")"));
            } else {
                out.put(k, t);
            }
        }
        return out;
    }

    private static String rawKey(NodeTuple t) {
        return t.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
    }

    private String text(Map<String, NodeTuple> keys, String key) {
        NodeTuple t = keys.get(key);
        return t == null ? null : scalar(t.getValueNode(), "'" + key + "'");
    }

    private String scalar(Node node, String what) {
        if (node instanceof ScalarNode s) {
            return s.getTag().equals(Tag.NULL) ? null : s.getValue();
        }
        diagnostics.add(Diagnostic.error(at(node), "type", what + " must be a single value"));
        return null;
    }

    private Node mapping(Node node, String what) {
        if (node instanceof MappingNode) return node;
        diagnostics.add(Diagnostic.error(at(node), "type", what + " must be a mapping"));
        return null;
    }

    /** A list of names, or one name written alone. */
    private List<String> names(Map<String, NodeTuple> keys, String key, String state) {
        NodeTuple t = keys.get(key);
        if (t == null) return List.of();
        Node v = t.getValueNode();
        if (v instanceof ScalarNode s) return s.getTag().equals(Tag.NULL) ? List.of() : List.of(s.getValue());
        List<String> out = new ArrayList<>();
        if (v instanceof SequenceNode seq) {
            for (Node item : seq.getValue()) {
                String n = scalar(item, "state '" + state + "': each of '" + key + "'");
                if (n != null) out.add(n);
            }
        } else {
            diagnostics.add(Diagnostic.error(at(v), "type", "state '" + state + "': '" + key + "' must be a list of names"));
        }
        return out;
    }

    /** Plain JSON for schemas and data, so the schema validator and the instance see ordinary values. */
    private JsonNode json(Node node) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (node) {
            case MappingNode m -> {
                ObjectNode o = f.objectNode();
                for (NodeTuple t : m.getValue()) {
                    String k = scalar(t.getKeyNode(), "key");
                    if (k != null) o.set(k, json(t.getValueNode()));
                }
                yield o;
            }
            case SequenceNode s -> {
                ArrayNode a = f.arrayNode();
                s.getValue().forEach(n -> a.add(json(n)));
                yield a;
            }
            case ScalarNode s -> scalarJson(s);
            default -> f.nullNode();
        };
    }

    private static JsonNode scalarJson(ScalarNode s) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        String v = s.getValue();
        Tag tag = s.getTag();
        try {
            if (tag.equals(Tag.NULL)) return f.nullNode();
            if (tag.equals(Tag.BOOL)) return f.booleanNode(Set.of("true", "yes", "on").contains(v.toLowerCase(Locale.ROOT)));
            if (tag.equals(Tag.INT)) {
                BigInteger i = new BigInteger(v.replace("_", ""));
                return i.bitLength() < 63 ? f.numberNode(i.longValue()) : f.numberNode(i);
            }
            if (tag.equals(Tag.FLOAT)) return f.numberNode(new BigDecimal(v.replace("_", "")));
        } catch (NumberFormatException e) {
            return f.textNode(v); // hex, octal and sexagesimal YAML 1.1 forms stay text
        }
        return f.textNode(v);
    }

    private Source at(Node node) {
        return at(node.getStartMark());
    }

    private Source at(Mark m) {
        return m == null ? new Source(file, 0, 0) : new Source(file, m.getLine() + 1, m.getColumn() + 1);
    }

    /** Where a scalar's text begins: one column after an opening quote. */
    private Source valueAt(Node node) {
        Source s = at(node);
        if (node instanceof ScalarNode sc && sc.getScalarStyle() != DumperOptions.ScalarStyle.PLAIN
                && sc.getScalarStyle() != DumperOptions.ScalarStyle.LITERAL && sc.getScalarStyle() != DumperOptions.ScalarStyle.FOLDED) {
            return s.shifted(1);
        }
        return s;
    }
}
