package dev.kairos.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.agent.internal.GraphAgentMemory;
import dev.kairos.memory.MemoryGraph;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the agent remembers beyond a conversation's window: long-term recall for the user's message,
 * the exchanges it keeps for later recall, and a profile (a JSON object) per user. A null user means
 * no particular user (the memory's default group; no profile).
 */
public interface AgentMemory {
    /**
     * Lines worth putting before the model for this message, best first: facts found by hybrid search
     * on the message and around the entities it mentions (and the user), then past exchanges.
     */
    List<String> recall(String user, String message, int limit);

    /** Keeps one finished exchange for later recall. */
    void remember(String user, String session, String userMessage, String answer, Instant at);

    /** The user's profile, or empty when there is none yet. */
    Optional<ObjectNode> profile(String user);

    /** Replaces the user's profile. */
    void saveProfile(String user, ObjectNode profile);

    /** Remembers nothing. */
    AgentMemory NONE = new AgentMemory() {
        @Override
        public List<String> recall(String user, String message, int limit) {
            return List.of();
        }

        @Override
        public void remember(String user, String session, String userMessage, String answer, Instant at) {
        }

        @Override
        public Optional<ObjectNode> profile(String user) {
            return Optional.empty();
        }

        @Override
        public void saveProfile(String user, ObjectNode profile) {
        }
    };

    /**
     * Over the temporal memory graph: each user's memory is the group {@code user-<id>} (the default
     * group without a user); exchanges are episodes, recall is the graph's hybrid search plus the
     * one-hop neighbourhood of the entities the message names, the profile is an attribute of the
     * user's entity.
     */
    static AgentMemory inGraph(MemoryGraph graph) {
        return new GraphAgentMemory(graph);
    }
}
