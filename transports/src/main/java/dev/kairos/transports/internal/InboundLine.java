package dev.kairos.transports.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;

import java.io.IOException;
import java.util.List;

/**
 * What one line read on stdin is: a message to hand to the MCP session, a refusal to answer with a
 * JSON-RPC error, a batch, or a bad response that is only logged (a response is never answered).
 */
sealed interface InboundLine {
    /** The first revision without JSON-RPC batches; dates compare as strings. */
    String NO_BATCHES_FROM = "2025-06-18";

    ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** A well-formed request ({@code id} set), notification or response. */
    record Message(JsonNode node, boolean request) implements InboundLine {
    }

    /** Answer with this error; {@code id} is JSON null when it could not be read. */
    record Refused(JsonNode id, int code, String message) implements InboundLine {
    }

    /** A non-empty batch in a revision that still has batches. */
    record Batch(List<JsonNode> elements) implements InboundLine {
    }

    /** Nothing to answer (a response we cannot use, or a blank line); the reason goes to the log. */
    record Dropped(String why) implements InboundLine {
    }

    static InboundLine judge(byte[] bytes, int length, String protocolVersion) {
        JsonNode node;
        try {
            node = JSON.readTree(bytes, 0, length);
        } catch (JsonProcessingException e) {
            return parseError(e.getOriginalMessage());
        } catch (IOException | RuntimeException e) {
            return parseError(e.getClass().getSimpleName());
        }
        if (node == null || node.isMissingNode()) {
            return new Dropped("blank line");
        }
        if (node.isArray()) {
            if (node.isEmpty()) {
                return invalid(NullNode.getInstance(), "an empty batch");
            }
            // 2025-06-18 removed batches. Older revisions allowed them: there each element is
            // handled as if it came on its own line and answered on its own line, since the SDK
            // session underneath answers message by message and cannot gather an array reply.
            if (protocolVersion == null || protocolVersion.compareTo(NO_BATCHES_FROM) >= 0) {
                return invalid(NullNode.getInstance(), "JSON-RPC batches are not part of MCP "
                        + (protocolVersion == null ? "before initialize" : protocolVersion) + "; send one message per line");
            }
            return new Batch(toList(node));
        }
        return judgeMessage(node);
    }

    static InboundLine judgeMessage(JsonNode node) {
        if (!node.isObject()) {
            return invalid(NullNode.getInstance(), "expected a JSON object, got " + kind(node));
        }
        JsonNode id = node.get("id");
        JsonNode method = node.get("method");
        boolean response = method == null && (node.has("result") || node.has("error"));
        if (id != null && !(id.isTextual() || id.isIntegralNumber())) {
            if (response && id.isNull()) {
                return new Dropped("a response with id null (an error the client could not tie to a request)");
            }
            return response ? new Dropped("a response whose id is " + kind(id))
                    : invalid(NullNode.getInstance(), "\"id\" must be a string or an integer, got " + kind(id));
        }
        JsonNode replyId = id == null ? NullNode.getInstance() : id;
        if (!"2.0".equals(node.path("jsonrpc").textValue())) {
            return response ? new Dropped("a response without \"jsonrpc\": \"2.0\"")
                    : invalid(replyId, "\"jsonrpc\" must be \"2.0\"");
        }
        if (method != null) {
            if (!method.isTextual() || method.textValue().isEmpty()) {
                return invalid(replyId, "\"method\" must be a non-empty string");
            }
            JsonNode params = node.get("params");
            if (params != null && !params.isObject() && !params.isArray()) {
                return invalid(replyId, "\"params\" must be an object, got " + kind(params));
            }
            return new Message(node, id != null);
        }
        if (response) {
            if (id == null) {
                return new Dropped("a response without an id");
            }
            JsonNode error = node.get("error");
            if (error != null && !(error.isObject() && error.path("code").isIntegralNumber() && error.path("message").isTextual())) {
                return new Dropped("a response whose \"error\" is not an object with a code and a message");
            }
            return new Message(node, false);
        }
        return invalid(replyId, "neither a request, a notification nor a response (no \"method\", \"result\" or \"error\")");
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> out = new java.util.ArrayList<>(array.size());
        array.forEach(out::add);
        return out;
    }

    private static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case NULL -> "null";
            case BOOLEAN -> "a boolean";
            case NUMBER -> node.isIntegralNumber() ? "an integer" : "a number with a fraction or exponent";
            case STRING -> "a string";
            default -> "an unknown value";
        };
    }

    private static Refused parseError(String detail) {
        String text = detail == null ? "" : detail.length() > 200 ? detail.substring(0, 200) + "…" : detail;
        return new Refused(NullNode.getInstance(), -32700, "Parse error: the line is not valid JSON" + (text.isEmpty() ? "" : " (" + text + ")"));
    }

    private static Refused invalid(JsonNode id, String problem) {
        return new Refused(id, -32600, "Invalid Request: " + problem);
    }
}
