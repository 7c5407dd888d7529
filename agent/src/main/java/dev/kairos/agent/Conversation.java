package dev.kairos.agent;

import dev.kairos.inference.Message;

import java.util.List;
import java.util.Objects;

/**
 * What a session carries from one run to the next: the messages so far (without the system prompt)
 * and, in a workflow, the machine's snapshot as JSON ({@code null} when there is none).
 */
public record Conversation(String session, List<Message> messages, String workflowSnapshot) {
    public Conversation {
        Objects.requireNonNull(session, "session");
        messages = messages == null ? List.of() : List.copyOf(messages);
    }

    /** A new, empty conversation. */
    public static Conversation start(String session) {
        return new Conversation(session, List.of(), null);
    }
}
