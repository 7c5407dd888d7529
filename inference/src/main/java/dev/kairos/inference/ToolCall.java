package dev.kairos.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Objects;

/**
 * A call the model asked for: id, tool name and the arguments as JSON text.
 *
 * <p>Arguments that parse are kept in compact canonical form, so the same call from two engines
 * compares equal apart from the id; arguments that do not parse are kept as the model wrote them
 * so a repair turn can quote them.
 */
public record ToolCall(String id, String name, String arguments) {
    private static final ObjectMapper JSON = dev.kairos.inference.internal.WireJson.newMapper();

    public ToolCall {
        Objects.requireNonNull(id, "tool call id");
        Objects.requireNonNull(name, "tool call name");
        arguments = arguments == null || arguments.isBlank() ? "{}" : arguments;
    }

    /** The arguments as a JSON tree; throws with the parser's position when they are not JSON. */
    public JsonNode parsedArguments() {
        try {
            return JSON.readTree(arguments);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("tool call '" + name + "' arguments are not valid JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** Whether the arguments are well-formed JSON. */
    public boolean argumentsParse() {
        try {
            JSON.readTree(arguments);
            return true;
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    /** The same call without its id, for comparing calls across engines. */
    public ToolCall withoutId() {
        return new ToolCall("", name, arguments);
    }
}
