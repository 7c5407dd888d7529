package dev.kairos.server.memory;

/**
 * What a tool handler answers: the structured content, and optionally the exact text copy an anchor prints
 * (otherwise the text is the structured content as JSON).
 */
record Reply(Object structured, String text) {
    static Reply of(Object structured) {
        return new Reply(structured, null);
    }

    static Reply of(Object structured, String text) {
        return new Reply(structured, text);
    }
}
