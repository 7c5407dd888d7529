package dev.kairos.server.memory;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.memory.Entity;
import dev.kairos.memory.Episode;
import dev.kairos.memory.MemoryException;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemoryInput;
import dev.kairos.server.memory.Shapes.EntityShape;
import dev.kairos.server.memory.Shapes.EpisodeShape;
import dev.kairos.server.memory.Shapes.FactShape;
import dev.kairos.transports.Caller;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The resource templates {@code memory://entity/{uuid}} (the entity with its current facts) and
 * {@code memory://episode/{uuid}} (the episode with the entities it mentions), readable, and open to
 * subscription, only within the caller's groups.
 */
final class MemoryResources {
    static final String ENTITY_PREFIX = "memory://entity/";
    static final String EPISODE_PREFIX = "memory://episode/";
    private static final String JSON = "application/json";

    private final MemoryGraph graph;
    private final String defaultGroup;
    private final ObjectMapper json;

    MemoryResources(MemoryGraph graph, String defaultGroup, ObjectMapper json) {
        this.graph = graph;
        this.defaultGroup = defaultGroup;
        this.json = json;
    }

    static String entityUri(String uuid) {
        return ENTITY_PREFIX + uuid;
    }

    static String episodeUri(String uuid) {
        return EPISODE_PREFIX + uuid;
    }

    List<SyncResourceTemplateSpecification> templates() {
        var entity = McpSchema.ResourceTemplate.builder()
                .uriTemplate(ENTITY_PREFIX + "{uuid}")
                .name("memory-entity")
                .title("Memory entity")
                .description("An entity of the memory graph with its observations and the facts about it that are true now. "
                        + "Subscribe to hear when it changes.")
                .mimeType(JSON)
                .build();
        var episode = McpSchema.ResourceTemplate.builder()
                .uriTemplate(EPISODE_PREFIX + "{uuid}")
                .name("memory-episode")
                .title("Memory episode")
                .description("A stored episode (a raw memory) with the entities it mentions.")
                .mimeType(JSON)
                .build();
        return List.of(new SyncResourceTemplateSpecification(entity, this::readEntity),
                new SyncResourceTemplateSpecification(episode, this::readEpisode));
    }

    /**
     * {@code resources/subscribe}: allowed exactly when a {@code resources/read} of the uri by this
     * caller would succeed, and refused with the same error, so that another tenant's entity or
     * episode looks missing here too (its change notices would otherwise tell when it changes).
     * Other uris (not memory records) are left alone.
     */
    void checkSubscription(Caller caller, String uri) {
        if (uri.startsWith(ENTITY_PREFIX)) {
            String uuid = uuidOf(uri, ENTITY_PREFIX);
            visible(caller, uri, lookup(uri, () -> graph.entity(uuid)), Entity::groupId);
        } else if (uri.startsWith(EPISODE_PREFIX)) {
            String uuid = uuidOf(uri, EPISODE_PREFIX);
            visible(caller, uri, lookup(uri, () -> graph.episode(uuid)), Episode::groupId);
        }
    }

    private McpSchema.ReadResourceResult readEntity(McpSyncServerExchange exchange, McpSchema.ReadResourceRequest request) {
        String uri = request.uri();
        String uuid = uuidOf(uri, ENTITY_PREFIX);
        Caller caller = Caller.of(exchange, defaultGroup);
        Entity e = visible(caller, uri, lookup(uri, () -> graph.entity(uuid)), Entity::groupId);
        Instant now = Instant.now();
        return result(uri, new EntityResource(Shapes.entity(e), lookup(uri, () -> Optional.of(graph.timeline(uuid)))
                .orElseThrow().stream().filter(f -> f.validAt(now)).map(f -> Shapes.fact(f, now)).toList()));
    }

    private McpSchema.ReadResourceResult readEpisode(McpSyncServerExchange exchange, McpSchema.ReadResourceRequest request) {
        String uri = request.uri();
        String uuid = uuidOf(uri, EPISODE_PREFIX);
        Caller caller = Caller.of(exchange, defaultGroup);
        Episode e = visible(caller, uri, lookup(uri, () -> graph.episode(uuid)), Episode::groupId);
        return result(uri, new EpisodeResource(Shapes.episode(e), lookup(uri, () -> Optional.of(graph.entitiesOf(uuid)))
                .orElseThrow().stream().map(Shapes::entity).toList()));
    }

    /** An entity's resource: its shape's fields, then the facts about it that are true now. */
    record EntityResource(@JsonUnwrapped EntityShape entity, List<FactShape> facts) {
    }

    /** An episode's resource: its shape's fields, then the entities it mentions. */
    record EpisodeResource(@JsonUnwrapped EpisodeShape episode, List<EntityShape> entities) {
    }

    private McpSchema.ReadResourceResult result(String uri, Object body) {
        try {
            String text = json.writerWithDefaultPrettyPrinter().writeValueAsString(body);
            return new McpSchema.ReadResourceResult(List.of(new McpSchema.TextResourceContents(uri, JSON, text)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + uri, e);
        }
    }

    private static String uuidOf(String uri, String prefix) {
        String uuid = uri.startsWith(prefix) ? uri.substring(prefix.length()) : "";
        if (!MemoryInput.UUID.matcher(uuid).matches()) {
            throw McpError.builder(McpSchema.ErrorCodes.INVALID_PARAMS)
                    .message("uri: '" + uri + "' does not end in a uuid").build();
        }
        return uuid;
    }

    /** Other tenants' records read as missing, so a uuid reveals nothing. */
    private static <T> T visible(Caller caller, String uri, Optional<T> found, java.util.function.Function<T, String> group) {
        return found.filter(v -> caller.mayAccess(group.apply(v)))
                .orElseThrow(() -> McpError.RESOURCE_NOT_FOUND.apply(uri));
    }

    private static <T> Optional<T> lookup(String uri, java.util.function.Supplier<Optional<T>> read) {
        try {
            return read.get();
        } catch (MemoryException e) {
            throw McpError.builder(McpSchema.ErrorCodes.INTERNAL_ERROR).message(uri + ": " + e.getMessage()).build();
        }
    }
}
