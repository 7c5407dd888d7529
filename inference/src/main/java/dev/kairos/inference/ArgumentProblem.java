package dev.kairos.inference;

/** One thing wrong with a tool call, phrased so a model can fix it in a repair turn. */
public record ArgumentProblem(String tool, String field, String message) {
    @Override
    public String toString() {
        return field == null || field.isEmpty() ? tool + ": " + message : tool + " argument '" + field + "': " + message;
    }
}
