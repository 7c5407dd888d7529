package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.spec.McpSchema;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One round of a 2026-07-28 request that may need input from the client (multi round-trip requests):
 * the answers known so far (from the signed {@code requestState} and this retry's
 * {@code inputResponses}) and the input requests still open. Handlers reach it through the MCP
 * transport context; the dispatcher turns open requests into an {@code input_required} result.
 */
public final class InputRound {
    /** Key of the round in the MCP transport context of a 2026-07-28 request. */
    public static final String CONTEXT_KEY = "kairos.inputRound";

    private final ObjectNode answers;
    private final McpSchema.ClientCapabilities capabilities;
    private final boolean stateVerified;
    private final Map<String, ObjectNode> open = new LinkedHashMap<>();
    private int unnamed;

    InputRound(ObjectNode answers, McpSchema.ClientCapabilities capabilities, boolean stateVerified) {
        this.answers = answers;
        this.capabilities = capabilities;
        this.stateVerified = stateVerified;
    }

    /** The client's answer under {@code key}, or null when it has not given one. */
    public synchronized JsonNode answer(String key) {
        JsonNode a = answers.get(key);
        return a == null || a.isNull() ? null : a;
    }

    /** Asks the client for {@code method} with {@code params} under {@code key} in the next result. */
    public synchronized void ask(String key, String method, JsonNode params) {
        ObjectNode request = answers.objectNode();
        request.put("method", method);
        request.set("params", params);
        open.put(key, request);
    }

    /** A key for an input request made through the SDK's exchange, stable across retries (call order). */
    synchronized String nextUnnamedKey() {
        return "input-" + (++unnamed);
    }

    /** Whether this retry carried a requestState that passed verification. */
    public boolean stateVerified() {
        return stateVerified;
    }

    /** The capabilities the client declared on this request. */
    public McpSchema.ClientCapabilities capabilities() {
        return capabilities;
    }

    synchronized Map<String, ObjectNode> openRequests() {
        return Map.copyOf(open);
    }

    synchronized boolean hasOpenRequests() {
        return !open.isEmpty();
    }

    /** The answers to carry in the next requestState: everything known, for the handler's next run. */
    synchronized ObjectNode answersSoFar() {
        return answers.deepCopy();
    }
}
