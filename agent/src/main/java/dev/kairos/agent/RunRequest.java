package dev.kairos.agent;

import java.util.Objects;

/**
 * One run: the task (the user's message), an optional workflow to follow, the conversation it
 * continues, the loop guards and the model. {@code system}, {@code workflow}, {@code model},
 * {@code userProfile}, {@code user} and {@code runId} may be null.
 *
 * @param requireTool the model must call a tool before it may answer (it is reminded twice, then the run stops)
 * @param user        who is talking (an id): whose memory is recalled and whose profile is kept
 */
public record RunRequest(String runId, String task, String system, WorkflowSource workflow, Conversation conversation,
                         Limits limits, String model, String userProfile, boolean requireTool, String user) {
    public RunRequest {
        if (task == null || task.isBlank()) {
            throw new IllegalArgumentException("task: must not be empty");
        }
        conversation = conversation == null ? Conversation.start(java.util.UUID.randomUUID().toString()) : conversation;
        limits = limits == null ? Limits.DEFAULTS : limits;
        Objects.requireNonNull(conversation.session(), "session");
    }

    /** A ReAct run of {@code task} in a new session with the default limits. */
    public static RunRequest of(String task) {
        return new RunRequest(null, task, null, null, null, null, null, null, false, null);
    }

    public RunRequest withRunId(String id) {
        return new RunRequest(id, task, system, workflow, conversation, limits, model, userProfile, requireTool, user);
    }

    /** The same request with another task text (the user's next message). */
    public RunRequest withTaskText(String t) {
        return new RunRequest(runId, t, system, workflow, conversation, limits, model, userProfile, requireTool, user);
    }

    public RunRequest withSystem(String s) {
        return new RunRequest(runId, task, s, workflow, conversation, limits, model, userProfile, requireTool, user);
    }

    public RunRequest withWorkflow(WorkflowSource w) {
        return new RunRequest(runId, task, system, w, conversation, limits, model, userProfile, requireTool, user);
    }

    public RunRequest withConversation(Conversation c) {
        return new RunRequest(runId, task, system, workflow, c, limits, model, userProfile, requireTool, user);
    }

    public RunRequest withLimits(Limits l) {
        return new RunRequest(runId, task, system, workflow, conversation, l, model, userProfile, requireTool, user);
    }

    public RunRequest withModel(String m) {
        return new RunRequest(runId, task, system, workflow, conversation, limits, m, userProfile, requireTool, user);
    }

    public RunRequest withUserProfile(String p) {
        return new RunRequest(runId, task, system, workflow, conversation, limits, model, p, requireTool, user);
    }

    public RunRequest withRequireTool(boolean r) {
        return new RunRequest(runId, task, system, workflow, conversation, limits, model, userProfile, r, user);
    }

    public RunRequest(String runId, String task, String system, WorkflowSource workflow, Conversation conversation,
                      Limits limits, String model, String userProfile, boolean requireTool) {
        this(runId, task, system, workflow, conversation, limits, model, userProfile, requireTool, null);
    }

    /** The same request for another user (whose memory and profile the run uses). */
    public RunRequest withUser(String u) {
        return new RunRequest(runId, task, system, workflow, conversation, limits, model, userProfile, requireTool, u);
    }
}
