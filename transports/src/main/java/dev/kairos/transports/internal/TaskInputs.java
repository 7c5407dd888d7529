package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/** The input channel of a handler that runs as a task: questions wait for {@code tasks/update}. */
public interface TaskInputs {
    /** Key of the channel in the MCP transport context of a task's handler. */
    String CONTEXT_KEY = "kairos.taskInputs";

    /**
     * Asks every question at once (key → {method, params}) and waits until all are answered; the
     * answers by key. Throws {@link TaskRunner.Cancelled} when the task is cancelled meanwhile.
     */
    Map<String, JsonNode> askAll(Map<String, JsonNode> questions);
}
