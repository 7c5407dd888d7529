package dev.kairos.server.memory;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kairos.memory.Entity;
import dev.kairos.memory.EntityRef;
import dev.kairos.memory.Episode;
import dev.kairos.memory.Fact;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemoryNotFoundException;
import dev.kairos.memory.MemoryStatus;
import dev.kairos.memory.NewEpisode;
import dev.kairos.memory.NewFact;
import dev.kairos.memory.SearchQuery;
import dev.kairos.memory.SearchQuery.Scope;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A drop-in for Graphiti's MCP server: its thirteen tools with its argument names and its
 * {@code {"result": …}} response shapes, served without a model (episodes wait as pending for extraction).
 */
final class GraphitiToolset {
    private static final int MAX_LIMIT = 100;

    private final MemoryGraph graph;
    private final KairosToolset kairos;

    // ---- Graphiti's response shapes, named as in its server; component order is the field order on the wire ----

    record SuccessResponse(String message) {
    }

    record StatusResponse(String status, String message) {
    }

    record NodeSearchResponse(String message, List<NodeResult> nodes) {
    }

    record FactSearchResponse(String message, List<FactResult> facts) {
    }

    record EpisodeSearchResponse(String message, List<EpisodeResult> episodes) {
    }

    /** add_triplet and get_episode_entities: the nodes and the edges between them. */
    record GraphResponse(String message, List<NodeResult> nodes, List<EdgeResult> edges) {
    }

    /** Graphiti's NodeResult; its label list includes {@code Entity}; observations stand in for a missing summary. */
    record NodeResult(String uuid, String name, List<String> labels, @JsonProperty("created_at") String createdAt,
                      String summary, @JsonProperty("group_id") String groupId, Map<String, String> attributes) {
    }

    /** Graphiti's EdgeResult (add_triplet, get_episode_entities). */
    record EdgeResult(String uuid, String name, String fact, @JsonProperty("source_node_uuid") String sourceNodeUuid,
                      @JsonProperty("target_node_uuid") String targetNodeUuid, @JsonProperty("group_id") String groupId,
                      @JsonProperty("created_at") String createdAt, @JsonProperty("valid_at") String validAt,
                      @JsonProperty("invalid_at") String invalidAt) {
    }

    /** Graphiti's full fact dump (search_memory_facts, get_entity_edge), embeddings left out. */
    record FactResult(String uuid, @JsonProperty("group_id") String groupId,
                      @JsonProperty("source_node_uuid") String sourceNodeUuid,
                      @JsonProperty("target_node_uuid") String targetNodeUuid, @JsonProperty("created_at") String createdAt,
                      String name, String fact, List<String> episodes, @JsonProperty("expired_at") String expiredAt,
                      @JsonProperty("valid_at") String validAt, @JsonProperty("invalid_at") String invalidAt,
                      Map<String, String> attributes) {
    }

    /** An episode as get_episodes lists it. */
    record EpisodeResult(String uuid, String name, String content, @JsonProperty("created_at") String createdAt,
                         String source, @JsonProperty("source_description") String sourceDescription,
                         @JsonProperty("group_id") String groupId) {
    }

    GraphitiToolset(MemoryGraph graph, KairosToolset kairos) {
        this.graph = graph;
        this.kairos = kairos;
    }

    Map<String, ToolBody> bodies() {
        var h = new LinkedHashMap<String, ToolBody>();
        h.put("add_memory", this::addMemory);
        h.put("search_nodes", this::searchNodes);
        h.put("search_memory_facts", this::searchFacts);
        h.put("delete_entity_edge", this::deleteEntityEdge);
        h.put("delete_episode", this::deleteEpisode);
        h.put("get_entity_edge", this::getEntityEdge);
        h.put("get_episodes", this::getEpisodes);
        h.put("summarize_saga", c -> needsModel("summarize_saga"));
        h.put("build_communities", c -> needsModel("build_communities"));
        h.put("add_triplet", this::addTriplet);
        h.put("get_episode_entities", this::getEpisodeEntities);
        h.put("clear_graph", this::clearGraph);
        h.put("get_status", this::getStatus);
        return h;
    }

    private ToolOutput addMemory(Call c) {
        Args a = c.args();
        String name = a.string("name");
        String body = a.string("episode_body");
        String group = c.tenancy().group("group_id", a.optText("group_id"));
        String uuid = a.optText("uuid");
        // The extraction options are accepted as Graphiti accepts them; they steer the model-driven pipeline.
        a.strings("excluded_entity_types");
        a.strings("previous_episode_uuids");
        a.optText("custom_extraction_instructions");
        a.bool("update_communities", false);
        a.optText("saga");
        a.optText("saga_previous_episode_uuid");
        var episode = new NewEpisode(group, name, body, source(a.optText("source")), a.optText("source_description"),
                a.instant("reference_time"), uuid == null ? null : MemoryInput.uuid("uuid", uuid));
        Episode stored = graph.addEpisode(episode);
        c.episodeChanged(stored.uuid());
        kairos.ingest().wake();
        return message("Episode '" + name + "' queued for processing in group '" + group + "'");
    }

    /** Graphiti reads an unknown source as text; so do we. */
    private static Episode.Source source(String text) {
        if (text == null) {
            return Episode.Source.TEXT;
        }
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "json" -> Episode.Source.JSON;
            case "message" -> Episode.Source.MESSAGE;
            default -> Episode.Source.TEXT;
        };
    }

    private ToolOutput searchNodes(Call c) {
        Args a = c.args();
        List<String> groups = c.tenancy().groups("group_ids", a.stringOrStrings("group_ids"));
        int max = positive(a, "max_nodes");
        List<String> types = a.strings("entity_types");
        for (int i = 0; i < types.size(); i++) {
            MemoryInput.label("entity_types[" + i + "]", types.get(i));
        }
        String centre = centre(c);
        var query = new SearchQuery(a.string("query"), groups, EnumSet.of(Scope.ENTITIES), Math.min(max, MAX_LIMIT),
                types, null, null, null, false, centre, null, null, 0);
        var nodes = graph.search(query).entityList().stream().map(GraphitiToolset::nodeResult).toList();
        return ToolOutput.of(new NodeSearchResponse(nodes.isEmpty() ? "No relevant nodes found" : "Nodes retrieved successfully", nodes));
    }

    private ToolOutput searchFacts(Call c) {
        Args a = c.args();
        int max = a.integer("max_facts", 10, Integer.MIN_VALUE, Integer.MAX_VALUE);
        if (max <= 0) {
            throw new MemoryInputException("max_facts", "max_facts must be a positive integer");
        }
        List<String> groups = c.tenancy().groups("group_ids", a.stringOrStrings("group_ids"));
        List<String> edgeTypes = a.strings("edge_types");
        for (int i = 0; i < edgeTypes.size(); i++) {
            MemoryInput.relationName("edge_types[" + i + "]", edgeTypes.get(i));
        }
        Instant validAfter = a.instant("valid_at_after");
        Instant validBefore = a.instant("valid_at_before");
        Instant invalidAfter = a.instant("invalid_at_after");
        Instant invalidBefore = a.instant("invalid_at_before");
        boolean dated = validAfter != null || validBefore != null || invalidAfter != null || invalidBefore != null;
        String centre = centre(c);
        // Date ranges filter after retrieval, so ask for more candidates than will be shown.
        int fetch = Math.min(MAX_LIMIT, dated ? Math.max(max * 3, max) : max);
        var query = new SearchQuery(a.string("query"), groups, EnumSet.of(Scope.FACTS), fetch, null, edgeTypes,
                null, null, dated, centre, null, null, 0);
        var facts = graph.search(query).factList().stream()
                .filter(f -> within(f.validAt(), validAfter, validBefore) && within(f.invalidAt(), invalidAfter, invalidBefore))
                .limit(max)
                .map(GraphitiToolset::factResult)
                .toList();
        return ToolOutput.of(new FactSearchResponse(facts.isEmpty() ? "No relevant facts found" : "Facts retrieved successfully", facts));
    }

    /** Graphiti's date filters compare with >= / <=; a missing time never matches a bound. */
    private static boolean within(Instant t, Instant after, Instant before) {
        if (after == null && before == null) {
            return true;
        }
        return t != null && (after == null || !t.isBefore(after)) && (before == null || !t.isAfter(before));
    }

    private ToolOutput deleteEntityEdge(Call c) {
        Fact f = fact(c, c.args().text("uuid"));
        c.entityChanged(f.sourceUuid());
        c.entityChanged(f.targetUuid());
        graph.deleteFact(f.uuid());
        return message("Entity edge with UUID " + f.uuid() + " deleted successfully");
    }

    private ToolOutput deleteEpisode(Call c) {
        String uuid = c.args().text("uuid");
        kairos.deleteEpisode(c, "uuid", uuid);
        return message("Episode with UUID " + uuid + " deleted successfully");
    }

    private ToolOutput getEntityEdge(Call c) {
        return ToolOutput.of(factResult(fact(c, c.args().text("uuid"))));
    }

    private ToolOutput getEpisodes(Call c) {
        Args a = c.args();
        List<String> groups = c.tenancy().groups("group_ids", a.stringOrStrings("group_ids"));
        int max = positive(a, "max_episodes");
        var episodes = graph.episodes(groups, Math.min(max, 10_000)).stream()
                .map(e -> new EpisodeResult(e.uuid(), e.name(), e.content(), Shapes.time(e.createdAt()),
                        e.source().name().toLowerCase(Locale.ROOT), e.sourceDescription() == null ? "" : e.sourceDescription(),
                        e.groupId()))
                .toList();
        return ToolOutput.of(new EpisodeSearchResponse(episodes.isEmpty() ? "No episodes found" : "Episodes retrieved successfully",
                episodes));
    }

    private ToolOutput addTriplet(Call c) {
        Args a = c.args();
        String sourceName = a.text("source_node_name");
        String edgeName = MemoryInput.relationName("edge_name", a.text("edge_name"));
        String factText = a.text("fact");
        String targetName = a.text("target_node_name");
        String group = c.tenancy().group("group_id", a.optText("group_id"));
        EntityRef source = endpoint(c, group, "source_node_uuid", sourceName);
        EntityRef target = endpoint(c, group, "target_node_uuid", targetName);
        Fact f = graph.addFact(new NewFact(group, source, edgeName, factText, target, null, null, false, List.of(), null, null));
        c.entityChanged(f.sourceUuid());
        c.entityChanged(f.targetUuid());
        var nodes = new ArrayList<NodeResult>();
        graph.entity(f.sourceUuid()).ifPresent(e -> nodes.add(nodeResult(e)));
        graph.entity(f.targetUuid()).ifPresent(e -> nodes.add(nodeResult(e)));
        return ToolOutput.of(new GraphResponse("Triplet '" + sourceName + " -[" + edgeName + "]-> " + targetName + "' added",
                nodes, List.of(edgeResult(f))));
    }

    /** An existing entity of the group by uuid when given and known (and the caller's), else the entity of that name. */
    private EntityRef endpoint(Call c, String group, String uuidField, String name) {
        String uuid = c.args().optText(uuidField);
        if (uuid != null) {
            MemoryInput.uuid(uuidField, uuid);
            var found = graph.entity(uuid);
            if (found.isPresent()) {
                c.tenancy().owned(uuidField, "entity", uuid, found.get().groupId(), found.get());
                if (found.get().groupId().equals(group)) {
                    return EntityRef.id(uuid);
                }
            }
        }
        return EntityRef.name(name);
    }

    private ToolOutput getEpisodeEntities(Call c) {
        List<String> uuids = c.args().requiredStrings("episode_uuids");
        if (uuids.isEmpty()) {
            throw new MemoryInputException("episode_uuids", "episode_uuids must contain at least one UUID");
        }
        Map<String, NodeResult> nodes = new LinkedHashMap<>();
        Map<String, EdgeResult> edges = new LinkedHashMap<>();
        for (int i = 0; i < uuids.size(); i++) {
            String field = "episode_uuids[" + i + "]";
            String uuid = MemoryInput.uuid(field, uuids.get(i));
            Episode e = graph.episode(uuid).orElseThrow(() -> new MemoryNotFoundException(field, "episode", uuid));
            c.tenancy().owned(field, "episode", uuid, e.groupId(), e);
            for (Entity entity : graph.entitiesOf(uuid)) {
                nodes.putIfAbsent(entity.uuid(), nodeResult(entity));
                for (Fact f : graph.timeline(entity.uuid())) {
                    if (f.episodes().contains(uuid)) {
                        edges.putIfAbsent(f.uuid(), edgeResult(f));
                    }
                }
            }
        }
        return ToolOutput.of(new GraphResponse("Retrieved provenance for " + uuids.size() + " episode(s)",
                List.copyOf(nodes.values()), List.copyOf(edges.values())));
    }

    private ToolOutput clearGraph(Call c) {
        List<String> groups = c.tenancy().groups("group_ids", c.args().stringOrStrings("group_ids"));
        for (String g : groups) {
            graph.clearGroup(g);
        }
        return message("Graph data cleared successfully for group IDs: " + String.join(", ", groups));
    }

    private ToolOutput getStatus(Call c) {
        MemoryStatus status = graph.status();
        if (status instanceof MemoryStatus.Ready r) {
            return ToolOutput.of(new StatusResponse("ok", "Kairos memory server is running and connected to neo4j database '"
                    + r.database() + "' (" + r.mode().name().toLowerCase(Locale.ROOT) + "); extraction: " + kairos.ingest().describe()));
        }
        return ToolOutput.of(new StatusResponse("error", "Kairos memory server is running but the database is " + status.describe()));
    }

    private static ToolOutput needsModel(String tool) {
        throw new RefusedException(tool + " needs an extraction model, which this server does not have yet; "
                + "episodes are stored and wait as pending for extraction");
    }

    // ---- lookups and Graphiti's shapes ----

    private String centre(Call c) {
        String uuid = c.args().optText("center_node_uuid");
        if (uuid == null) {
            return null;
        }
        MemoryInput.uuid("center_node_uuid", uuid);
        Entity e = graph.entity(uuid).orElseThrow(() -> new MemoryNotFoundException("center_node_uuid", "entity", uuid));
        c.tenancy().owned("center_node_uuid", "entity", uuid, e.groupId(), e);
        return uuid;
    }

    private Fact fact(Call c, String uuid) {
        MemoryInput.uuid("uuid", uuid);
        Fact f = graph.fact(uuid).orElseThrow(() -> new MemoryNotFoundException("uuid", "entity edge", uuid));
        return c.tenancy().owned("uuid", "entity edge", uuid, f.groupId(), f);
    }

    private static int positive(Args a, String field) {
        int n = a.integer(field, 10, Integer.MIN_VALUE, Integer.MAX_VALUE);
        if (n <= 0) {
            throw new MemoryInputException(field, field + " must be a positive integer");
        }
        return n;
    }

    private static ToolOutput message(String text) {
        return ToolOutput.of(new SuccessResponse(text));
    }

    static NodeResult nodeResult(Entity e) {
        Set<String> labels = new LinkedHashSet<>();
        labels.add("Entity");
        labels.addAll(e.labels());
        String summary = e.summary() != null ? e.summary()
                : e.observations().isEmpty() ? null : String.join(". ", e.observations());
        return new NodeResult(e.uuid(), e.name(), List.copyOf(labels), Shapes.time(e.createdAt()), summary, e.groupId(),
                e.attributes());
    }

    static EdgeResult edgeResult(Fact f) {
        return new EdgeResult(f.uuid(), f.name(), f.fact(), f.sourceUuid(), f.targetUuid(), f.groupId(),
                Shapes.time(f.createdAt()), Shapes.time(f.validAt()), Shapes.time(f.invalidAt()));
    }

    static FactResult factResult(Fact f) {
        return new FactResult(f.uuid(), f.groupId(), f.sourceUuid(), f.targetUuid(), Shapes.time(f.createdAt()), f.name(),
                f.fact(), f.episodes(), Shapes.time(f.expiredAt()), Shapes.time(f.validAt()), Shapes.time(f.invalidAt()),
                Map.of());
    }
}
