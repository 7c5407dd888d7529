package dev.kairos.agent;

import dev.kairos.inference.Message;

import java.util.List;
import java.util.Objects;

/**
 * What a session carries from one run to the next: the messages so far (without the system prompt),
 * in a workflow the machine's snapshot as JSON ({@code null} when there is none), and the rolling
 * summary of its oldest turns when the agent's memory folded them ({@code null} when it did not).
 * Folded messages stay in {@code messages}: the summary is what the model sees in their place.
 */
public record Conversation(String session, List<Message> messages, String workflowSnapshot, Summary summary) {

    /**
     * A summary of the first {@code covers} messages of the conversation (whole turns), made by the engine.
     */
    public record Summary(String text, int covers) {
        public Summary {
            Objects.requireNonNull(text, "summary text");
            if (covers < 0) {
                throw new IllegalArgumentException("summary.covers: must be >= 0, was " + covers);
            }
        }
    }

    public Conversation {
        Objects.requireNonNull(session, "session");
        messages = messages == null ? List.of() : List.copyOf(messages);
        if (summary != null && summary.covers() > messages.size()) {
            summary = new Summary(summary.text(), messages.size());
        }
    }

    public Conversation(String session, List<Message> messages, String workflowSnapshot) {
        this(session, messages, workflowSnapshot, null);
    }

    /** A new, empty conversation. */
    public static Conversation start(String session) {
        return new Conversation(session, List.of(), null, null);
    }
}
