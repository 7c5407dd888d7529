package dev.kairos.transports.internal;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.modelcontextprotocol.spec.McpSchema;

import java.io.IOException;

/**
 * Reads one JSON-RPC message from a request body in a single pass, straight into the SDK's records.
 *
 * <p>The SDK's own path parses the body into a map and then converts the map into records (and the
 * {@code tools/call} params once more); this one checks the message shape while it parses and reads
 * {@code tools/call} params directly as a {@link McpSchema.CallToolRequest}.
 */
public final class JsonRpcReader {
    private final ObjectMapper json;

    public JsonRpcReader(ObjectMapper json) {
        this.json = json;
    }

    /** Why a body is not an acceptable JSON-RPC message: -32700 (not JSON) or -32600 (not a message). */
    public static final class BadMessage extends Exception {
        private final int code;

        BadMessage(int code, String message) {
            super(message, null, false, false);
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    public McpSchema.JSONRPCMessage read(byte[] body, int offset, int length) throws BadMessage {
        try (JsonParser p = json.createParser(body, offset, length)) {
            return read(p);
        } catch (BadMessage e) {
            throw e;
        } catch (IOException e) {
            String detail = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new BadMessage(-32700, "Parse error: the body is not valid JSON (" + detail + ")");
        }
    }

    private McpSchema.JSONRPCMessage read(JsonParser p) throws IOException, BadMessage {
        JsonToken first = p.nextToken();
        if (first == null) {
            throw invalid("empty body");
        }
        if (first == JsonToken.START_ARRAY) {
            boolean empty = true;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (t == null) {
                    throw new JsonParseException(p, "unexpected end of the batch");
                }
                empty = false;
                p.skipChildren();
            }
            drain(p);
            throw invalid(empty ? "empty batch" : "batches are not supported; send one message per request");
        }
        if (first != JsonToken.START_OBJECT) {
            drain(p);
            throw invalid("expected a JSON object, got " + first.asString());
        }
        String version = null;
        JsonToken methodToken = null;
        String method = null;
        boolean hasId = false;
        Object id = null;
        String badId = null;
        TokenBuffer params = null;
        TokenBuffer result = null;
        TokenBuffer error = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken value = p.nextToken();
            switch (key) {
                case "jsonrpc" -> version = value == JsonToken.VALUE_STRING ? p.getText() : null;
                case "method" -> {
                    methodToken = value;
                    method = value == JsonToken.VALUE_STRING ? p.getText() : null;
                }
                case "id" -> {
                    hasId = true;
                    switch (value) {
                        case VALUE_STRING -> id = p.getText();
                        case VALUE_NUMBER_INT -> id = p.getNumberValue();
                        case VALUE_NULL -> badId = "null";
                        case VALUE_NUMBER_FLOAT -> badId = "a fractional number";
                        case VALUE_TRUE, VALUE_FALSE -> badId = "a boolean";
                        case START_OBJECT -> badId = "an object";
                        case START_ARRAY -> badId = "an array";
                        default -> badId = "not a string or an integer";
                    }
                    p.skipChildren();
                }
                // Kept as tokens: which record they become depends on "method", which may come later.
                case "params" -> params = copy(p);
                case "result" -> result = copy(p);
                case "error" -> error = copy(p);
                default -> p.skipChildren();
            }
        }
        drain(p);
        if (!"2.0".equals(version)) {
            throw invalid("\"jsonrpc\" must be \"2.0\"");
        }
        // MCP ids are strings or integers, never null (JSON-RPC's null id is for answers we send, not receive)
        if (badId != null) {
            throw invalid("\"id\" must be a string or an integer, was " + badId);
        }
        if (methodToken != null) {
            if (method == null || method.isEmpty()) {
                throw invalid("\"method\" must be a non-empty string");
            }
            Object paramValue = params == null ? null : paramsOf(method, params);
            return hasId ? new McpSchema.JSONRPCRequest(version, method, id, paramValue)
                    : new McpSchema.JSONRPCNotification(version, method, paramValue);
        }
        if (result != null || error != null) {
            if (!hasId) {
                throw invalid("a response needs an \"id\"");
            }
            McpSchema.JSONRPCResponse.JSONRPCError err = null;
            if (error != null) {
                try (JsonParser e = error.asParser(json)) {
                    err = json.readValue(e, McpSchema.JSONRPCResponse.JSONRPCError.class);
                } catch (IOException e) {
                    throw invalid("\"error\" must be an object with a code and a message");
                }
            }
            return new McpSchema.JSONRPCResponse(version, id, result == null ? null : untyped(result), err);
        }
        throw invalid("neither a request, a notification nor a response (no \"method\", \"result\" or \"error\")");
    }

    /** Requests whose handlers cannot run without params. */
    private static final java.util.Set<String> NEED_PARAMS = java.util.Set.of(
            McpSchema.METHOD_TOOLS_CALL, McpSchema.METHOD_RESOURCES_READ, McpSchema.METHOD_RESOURCES_SUBSCRIBE,
            McpSchema.METHOD_RESOURCES_UNSUBSCRIBE, McpSchema.METHOD_PROMPT_GET, McpSchema.METHOD_COMPLETION_COMPLETE,
            McpSchema.METHOD_LOGGING_SET_LEVEL, McpSchema.METHOD_INITIALIZE);

    /**
     * Why a request's params cannot be handed to its handler (the -32602 message), or null when they can:
     * the SDK's handlers would fail on them with a Java exception's text.
     */
    public static String paramsProblem(McpSchema.JSONRPCRequest request) {
        Object params = request.params();
        if (params == null) {
            return NEED_PARAMS.contains(request.method()) ? "Invalid params: " + request.method() + " needs params" : null;
        }
        if (!(params instanceof java.util.Map<?, ?>) && !(params instanceof McpSchema.CallToolRequest)) {
            return "Invalid params: params must be an object";
        }
        return null;
    }

    /**
     * {@code tools/call} params as the record the SDK's handler wants (so it need not convert a map);
     * anything else, or params that do not fit the record, as plain maps and lists.
     */
    private Object paramsOf(String method, TokenBuffer params) throws IOException {
        if (McpSchema.METHOD_TOOLS_CALL.equals(method)) {
            try (JsonParser p = params.asParser(json)) {
                return json.readValue(p, McpSchema.CallToolRequest.class);
            } catch (IOException e) {
                // the SDK's handler reports the problem to the caller as it would for a map
            }
        }
        return untyped(params);
    }

    private Object untyped(TokenBuffer tokens) throws IOException {
        try (JsonParser p = tokens.asParser(json)) {
            return json.readValue(p, Object.class);
        }
    }

    private TokenBuffer copy(JsonParser p) throws IOException {
        TokenBuffer buffer = new TokenBuffer(p, null);
        buffer.copyCurrentStructure(p);
        return buffer;
    }

    /** Trailing content after the message must still be valid JSON (and nothing but whitespace). */
    private static void drain(JsonParser p) throws IOException {
        if (p.nextToken() != null) {
            throw new JsonParseException(p, "unexpected content after the message");
        }
    }

    private static BadMessage invalid(String problem) {
        return new BadMessage(-32600, "Invalid Request: " + problem);
    }
}
