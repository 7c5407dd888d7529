package dev.kairos.agent;

import dev.kairos.agent.internal.CheckpointJson;
import dev.kairos.inference.Message;
import dev.kairos.inference.Usage;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** What memory adds to a checkpoint (the user, the rolling summary) survives the JSON it is stored as. */
class CheckpointJsonTest {
    @Test
    void theUserAndTheSummaryRoundTrip() {
        List<Message> messages = List.of(Message.user("I prefer a window seat."), new Message.Assistant("Noted."),
                Message.user("Book a flight."));
        Conversation.Summary summary = new Conversation.Summary("The user likes window seats.", 2);
        RunRequest request = RunRequest.of("Book a flight.").withUser("alice")
                .withConversation(new Conversation("s1", messages.subList(0, 2), null, summary));
        Checkpoint c = new Checkpoint("r1", request, 1, messages, null, Usage.NONE, Map.of(), Map.of(), List.of(), List.of(),
                List.of(), List.of(), Termination.ANSWERED, "ok", "", Instant.parse("2026-01-01T00:00:00Z"), summary);
        Checkpoint back = CheckpointJson.read(CheckpointJson.write(c));
        assertEquals("alice", back.request().user());
        assertEquals(summary, back.summary());
        assertEquals(summary, back.request().conversation().summary());
        assertEquals(new Conversation("s1", messages, null, summary), back.conversation());
        Checkpoint plain = CheckpointJson.read(CheckpointJson.write(new Checkpoint("r2", RunRequest.of("x"), 0, List.of(),
                null, Usage.NONE, Map.of(), Map.of(), List.of(), List.of(), List.of(), List.of(), null, null, null, Instant.now())));
        assertNull(plain.summary());
        assertNull(plain.request().user());
    }
}
