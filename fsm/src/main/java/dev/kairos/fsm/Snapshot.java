package dev.kairos.fsm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * A whole instance as data, for checkpoints and resume. The JSON form carries {@code "version": 1}; other versions
 * are refused with a message saying which ones this build reads.
 */
public record Snapshot(int version, String workflow, List<String> active, ObjectNode data, List<Step> history, long sequence) {

    /** The snapshot format this build writes and reads. */
    public static final int VERSION = 1;

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public Snapshot {
        active = List.copyOf(active);
        history = List.copyOf(history);
        data = data.deepCopy();
    }

    @Override
    public ObjectNode data() {
        return data.deepCopy();
    }

    public String toJson() {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("version", version);
        root.put("workflow", workflow);
        ArrayNode a = root.putArray("active");
        active.forEach(a::add);
        root.set("data", data.deepCopy());
        root.put("sequence", sequence);
        ArrayNode h = root.putArray("history");
        for (Step s : history) {
            h.addObject().put("sequence", s.sequence()).put("event", s.event()).put("from", s.from()).put("to", s.to());
        }
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write snapshot", e);
        }
    }

    /** Reads a snapshot, naming the field that is missing or wrong; refuses versions other than {@value VERSION}. */
    public static Snapshot fromJson(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")";
            throw new SnapshotException("snapshot is not valid JSON" + where + ": " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw new SnapshotException("snapshot must be a JSON object");
        JsonNode v = root.get("version");
        if (v == null || !v.canConvertToExactIntegral()) {
            throw new SnapshotException("snapshot has no integer 'version' field; this build reads version " + VERSION);
        }
        if (v.asInt() > VERSION) {
            throw new SnapshotException("snapshot version " + v.asInt() + " is newer than this build reads (version "
                    + VERSION + "); upgrade Kairos to resume it");
        }
        if (v.asInt() != VERSION) {
            throw new SnapshotException("snapshot version " + v.asInt() + " is not supported; this build reads version " + VERSION);
        }
        String workflow = text(root, "workflow");
        JsonNode activeNode = field(root, "active");
        if (!activeNode.isArray()) throw new SnapshotException("snapshot field 'active' must be a list of state names");
        List<String> active = new ArrayList<>();
        activeNode.forEach(n -> {
            if (!n.isTextual()) throw new SnapshotException("snapshot field 'active' must hold state names, found " + n);
            active.add(n.textValue());
        });
        JsonNode data = field(root, "data");
        if (!data.isObject()) throw new SnapshotException("snapshot field 'data' must be an object");
        JsonNode seq = field(root, "sequence");
        if (!seq.canConvertToExactIntegral()) throw new SnapshotException("snapshot field 'sequence' must be an integer");
        JsonNode historyNode = field(root, "history");
        if (!historyNode.isArray()) throw new SnapshotException("snapshot field 'history' must be a list");
        List<Step> history = new ArrayList<>();
        int i = 0;
        for (JsonNode s : historyNode) {
            String where = "history[" + i++ + "]";
            if (!s.isObject() || !s.path("sequence").canConvertToExactIntegral()) {
                throw new SnapshotException("snapshot field '" + where + ".sequence' must be an integer");
            }
            history.add(new Step(s.get("sequence").asLong(), text(s, "event", where), text(s, "from", where), text(s, "to", where)));
        }
        return new Snapshot(v.asInt(), workflow, active, (ObjectNode) data, history, seq.asLong());
    }

    private static JsonNode field(JsonNode node, String name) {
        JsonNode f = node.get(name);
        if (f == null) throw new SnapshotException("snapshot has no '" + name + "' field");
        return f;
    }

    private static String text(JsonNode node, String name) {
        JsonNode f = field(node, name);
        if (!f.isTextual()) throw new SnapshotException("snapshot field '" + name + "' must be text");
        return f.textValue();
    }

    private static String text(JsonNode node, String name, String where) {
        JsonNode f = node.get(name);
        if (f == null || !f.isTextual()) throw new SnapshotException("snapshot field '" + where + "." + name + "' must be text");
        return f.textValue();
    }
}
