package dev.kairos.server.memory;

/**
 * What a tool body answers: the structured content, and optionally the exact text copy an anchor prints
 * (otherwise the text is the structured content as JSON).
 */
record ToolOutput(Object structured, String text) {
    static ToolOutput of(Object structured) {
        return new ToolOutput(structured, null);
    }

    static ToolOutput of(Object structured, String text) {
        return new ToolOutput(structured, text);
    }
}
