package dev.kairos.server.memory;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.memory.ingest.ModelForExtraction;
import dev.kairos.memory.ingest.ModelSource;
import dev.kairos.transports.SamplingClients;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageRequest;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageResult;
import io.modelcontextprotocol.spec.McpSchema.SamplingMessage;
import io.modelcontextprotocol.spec.McpSchema.TextContent;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Extraction's model when no engine is configured: the model of a connected MCP client that offers sampling, asked
 * with {@code sampling/createMessage}. A client's model reads only the groups its caller may access.
 */
final class SamplingModel implements ModelForExtraction {
    /** Enough for a typical episode's entities and facts as JSON. */
    static final int MAX_TOKENS = 2048;

    private final SamplingClients clients;
    private final SamplingClients.Client client;

    private SamplingModel(SamplingClients clients, SamplingClients.Client client) {
        this.clients = clients;
        this.client = client;
    }

    /** The models of the connected sampling clients, per group; status says why none when none is connected. */
    static ModelSource source(SamplingClients clients, String defaultGroup, String noneReason) {
        return new ModelSource() {
            @Override
            public Optional<ModelForExtraction> modelFor(String groupId) {
                for (SamplingClients.Client c : clients.reachable()) {
                    if (c.caller(defaultGroup).mayAccess(groupId)) {
                        return Optional.of(new SamplingModel(clients, c));
                    }
                }
                return Optional.empty();
            }

            @Override
            public String describe() {
                int n = clients.reachable().size();
                return n == 0 ? "episodes stay pending: " + noneReason
                        : "extracting with the model of " + (n == 1 ? "a connected MCP client" : n + " connected MCP clients")
                        + " (sampling), for the groups each may access";
            }
        };
    }

    @Override
    public Answer complete(List<Turn> turns, String schemaName, JsonNode schema) {
        StringBuilder system = new StringBuilder();
        List<SamplingMessage> messages = new ArrayList<>();
        for (Turn t : turns) {
            switch (t.role()) {
                case SYSTEM -> system.append(t.text()).append('\n');
                case USER -> messages.add(new SamplingMessage(McpSchema.Role.USER, new TextContent(t.text())));
                case ASSISTANT -> messages.add(new SamplingMessage(McpSchema.Role.ASSISTANT, new TextContent(t.text())));
            }
        }
        // A client's model cannot be held to a schema by its decoder: the schema goes into the instructions instead.
        system.append("The JSON object must match this JSON schema (").append(schemaName).append("): ").append(schema);
        CreateMessageRequest request = CreateMessageRequest.builder(messages, MAX_TOKENS)
                .systemPrompt(system.toString())
                .includeContext(CreateMessageRequest.ContextInclusionStrategy.NONE)
                .temperature(0.0)
                .modelPreferences(McpSchema.ModelPreferences.builder()
                        .speedPriority(0.8).costPriority(0.8).intelligencePriority(0.3).build())
                .metadata(java.util.Map.of("purpose", "kairos memory extraction (" + schemaName + ")"))
                .build();
        CreateMessageResult result;
        try {
            result = client.exchange().createMessage(request);
        } catch (RuntimeException e) {
            if (!client.reachable().getAsBoolean()) {
                clients.remove(client.sessionId());
            }
            throw new IllegalStateException("the MCP client's model (sampling) did not answer: " + e.getMessage(), e);
        }
        if (result == null || !(result.content() instanceof TextContent text)) {
            throw new IllegalStateException("the MCP client's model (sampling) answered without text");
        }
        return new Answer(text.text(), 0, 0);
    }

    @Override
    public String describe() {
        var info = client.exchange().getClientInfo();
        return "the model of MCP client " + (info != null ? info.name() : client.sessionId()) + " (sampling)";
    }
}
