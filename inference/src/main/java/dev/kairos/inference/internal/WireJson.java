package dev.kairos.inference.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** JSON helpers for the engines' wire format; the mapper is immutable once built, so sharing it is safe. */
public final class WireJson {
    public static final ObjectMapper MAPPER = newMapper();
    public static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private WireJson() {
    }

    /**
     * A mapper whose parsers and generators take their buffers from one shared pool. Jackson's default pool is per
     * thread, and the agent parses on short-lived virtual threads (tool calls): every parse there allocated fresh
     * buffers, most of the allocation of an agent step. The pool is the lock-free one: the bounded pool takes a lock
     * for every parser, and that lock was a visible part of a step's time. It holds at most as many buffers as
     * parsers ever ran at once.
     */
    public static ObjectMapper newMapper() {
        return new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
                .recyclerPool(com.fasterxml.jackson.core.util.JsonRecyclerPools.sharedConcurrentDequePool()).build());
    }

    public static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e.getOriginalMessage(), e);
        }
    }

    /** Parses or returns null: for text that may or may not be JSON. */
    public static JsonNode tryParse(String text) {
        if (text == null) {
            return null;
        }
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Compact canonical JSON text when the input parses, else the input unchanged. */
    public static String normalize(String json) {
        JsonNode n = tryParse(json);
        return n == null || n.isMissingNode() ? json : write(n);
    }

    /** A copy with object keys sorted, recursively: the same schema always renders to the same bytes. */
    public static JsonNode canonical(JsonNode node) {
        if (node instanceof ObjectNode obj) {
            List<String> keys = new ArrayList<>();
            obj.fieldNames().forEachRemaining(keys::add);
            Collections.sort(keys);
            ObjectNode out = NODES.objectNode();
            for (String k : keys) {
                out.set(k, canonical(obj.get(k)));
            }
            return out;
        }
        if (node instanceof ArrayNode arr) {
            ArrayNode out = NODES.arrayNode();
            arr.forEach(e -> out.add(canonical(e)));
            return out;
        }
        return node;
    }

    public static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    public static int integer(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v == null || !v.isNumber() ? 0 : v.asInt();
    }
}
