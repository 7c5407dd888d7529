package dev.kairos.agent;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/** A tool as its provider lists it: its own name, description, schemas and hints. */
public record ToolDescriptor(String name, String title, String description, JsonNode inputSchema,
                             JsonNode outputSchema, ToolHints hints) {
    public ToolDescriptor {
        Objects.requireNonNull(name, "tool name");
        description = description == null ? "" : description;
        hints = hints == null ? ToolHints.NONE : hints;
    }
}
