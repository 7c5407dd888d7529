package dev.kairos.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.util.Objects;
import java.util.regex.Pattern;

/** A tool the model may call: its name, what it does, and the JSON schema of its arguments. */
public record ToolSpec(String name, String description, JsonNode inputSchema, boolean strict) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    public ToolSpec {
        Objects.requireNonNull(name, "tool name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("tool name '" + name + "': must match " + NAME.pattern());
        }
        description = description == null ? "" : description;
        if (inputSchema == null) {
            inputSchema = JsonNodeFactory.instance.objectNode().put("type", "object");
        }
        if (!inputSchema.isObject()) {
            throw new IllegalArgumentException("tool '" + name + "' inputSchema: must be a JSON object");
        }
    }

    public ToolSpec(String name, String description, JsonNode inputSchema) {
        this(name, description, inputSchema, false);
    }
}
