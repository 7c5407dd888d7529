package dev.kairos.server.memory;

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

    GraphitiToolset(MemoryGraph graph, KairosToolset kairos) {
        this.graph = graph;
        this.kairos = kairos;
    }

    Map<String, Handler> handlers() {
        var h = new LinkedHashMap<String, Handler>();
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

    private Reply addMemory(Call c) {
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

    private Reply searchNodes(Call c) {
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
        var out = new LinkedHashMap<String, Object>();
        out.put("message", nodes.isEmpty() ? "No relevant nodes found" : "Nodes retrieved successfully");
        out.put("nodes", nodes);
        return Reply.of(out);
    }

    private Reply searchFacts(Call c) {
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
        var out = new LinkedHashMap<String, Object>();
        out.put("message", facts.isEmpty() ? "No relevant facts found" : "Facts retrieved successfully");
        out.put("facts", facts);
        return Reply.of(out);
    }

    /** Graphiti's date filters compare with >= / <=; a missing time never matches a bound. */
    private static boolean within(Instant t, Instant after, Instant before) {
        if (after == null && before == null) {
            return true;
        }
        return t != null && (after == null || !t.isBefore(after)) && (before == null || !t.isAfter(before));
    }

    private Reply deleteEntityEdge(Call c) {
        Fact f = fact(c, c.args().text("uuid"));
        c.entityChanged(f.sourceUuid());
        c.entityChanged(f.targetUuid());
        graph.deleteFact(f.uuid());
        return message("Entity edge with UUID " + f.uuid() + " deleted successfully");
    }

    private Reply deleteEpisode(Call c) {
        String uuid = c.args().text("uuid");
        kairos.deleteEpisode(c, "uuid", uuid);
        return message("Episode with UUID " + uuid + " deleted successfully");
    }

    private Reply getEntityEdge(Call c) {
        return Reply.of(factResult(fact(c, c.args().text("uuid"))));
    }

    private Reply getEpisodes(Call c) {
        Args a = c.args();
        List<String> groups = c.tenancy().groups("group_ids", a.stringOrStrings("group_ids"));
        int max = positive(a, "max_episodes");
        var episodes = graph.episodes(groups, Math.min(max, 10_000)).stream().map(e -> {
            var m = new LinkedHashMap<String, Object>();
            m.put("uuid", e.uuid());
            m.put("name", e.name());
            m.put("content", e.content());
            m.put("created_at", Shapes.time(e.createdAt()));
            m.put("source", e.source().name().toLowerCase(Locale.ROOT));
            m.put("source_description", e.sourceDescription() == null ? "" : e.sourceDescription());
            m.put("group_id", e.groupId());
            return (Map<String, Object>) m;
        }).toList();
        var out = new LinkedHashMap<String, Object>();
        out.put("message", episodes.isEmpty() ? "No episodes found" : "Episodes retrieved successfully");
        out.put("episodes", episodes);
        return Reply.of(out);
    }

    private Reply addTriplet(Call c) {
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
        var nodes = new ArrayList<Map<String, Object>>();
        graph.entity(f.sourceUuid()).ifPresent(e -> nodes.add(nodeResult(e)));
        graph.entity(f.targetUuid()).ifPresent(e -> nodes.add(nodeResult(e)));
        var out = new LinkedHashMap<String, Object>();
        out.put("message", "Triplet '" + sourceName + " -[" + edgeName + "]-> " + targetName + "' added");
        out.put("nodes", nodes);
        out.put("edges", List.of(edgeResult(f)));
        return Reply.of(out);
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

    private Reply getEpisodeEntities(Call c) {
        List<String> uuids = c.args().requiredStrings("episode_uuids");
        if (uuids.isEmpty()) {
            throw new MemoryInputException("episode_uuids", "episode_uuids must contain at least one UUID");
        }
        Map<String, Map<String, Object>> nodes = new LinkedHashMap<>();
        Map<String, Map<String, Object>> edges = new LinkedHashMap<>();
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
        var out = new LinkedHashMap<String, Object>();
        out.put("message", "Retrieved provenance for " + uuids.size() + " episode(s)");
        out.put("nodes", List.copyOf(nodes.values()));
        out.put("edges", List.copyOf(edges.values()));
        return Reply.of(out);
    }

    private Reply clearGraph(Call c) {
        List<String> groups = c.tenancy().groups("group_ids", c.args().stringOrStrings("group_ids"));
        for (String g : groups) {
            graph.clearGroup(g);
        }
        return message("Graph data cleared successfully for group IDs: " + String.join(", ", groups));
    }

    private Reply getStatus(Call c) {
        MemoryStatus status = graph.status();
        var out = new LinkedHashMap<String, Object>();
        if (status instanceof MemoryStatus.Ready r) {
            out.put("status", "ok");
            out.put("message", "Kairos memory server is running and connected to neo4j database '" + r.database()
                    + "' (" + r.mode().name().toLowerCase(Locale.ROOT) + "); extraction: " + kairos.ingest().describe());
        } else {
            out.put("status", "error");
            out.put("message", "Kairos memory server is running but the database is " + status.describe());
        }
        return Reply.of(out);
    }

    private static Reply needsModel(String tool) {
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

    private static Reply message(String text) {
        return Reply.of(Map.of("message", text));
    }

    /** Graphiti's NodeResult; its label list includes {@code Entity}; observations stand in for a missing summary. */
    static Map<String, Object> nodeResult(Entity e) {
        Set<String> labels = new LinkedHashSet<>();
        labels.add("Entity");
        labels.addAll(e.labels());
        String summary = e.summary() != null ? e.summary()
                : e.observations().isEmpty() ? null : String.join(". ", e.observations());
        var m = new LinkedHashMap<String, Object>();
        m.put("uuid", e.uuid());
        m.put("name", e.name());
        m.put("labels", List.copyOf(labels));
        m.put("created_at", Shapes.time(e.createdAt()));
        m.put("summary", summary);
        m.put("group_id", e.groupId());
        m.put("attributes", e.attributes());
        return m;
    }

    /** Graphiti's EdgeResult (add_triplet, get_episode_entities). */
    static Map<String, Object> edgeResult(Fact f) {
        var m = new LinkedHashMap<String, Object>();
        m.put("uuid", f.uuid());
        m.put("name", f.name());
        m.put("fact", f.fact());
        m.put("source_node_uuid", f.sourceUuid());
        m.put("target_node_uuid", f.targetUuid());
        m.put("group_id", f.groupId());
        m.put("created_at", Shapes.time(f.createdAt()));
        m.put("valid_at", Shapes.time(f.validAt()));
        m.put("invalid_at", Shapes.time(f.invalidAt()));
        return m;
    }

    /** Graphiti's full fact dump (search_memory_facts, get_entity_edge), embeddings left out. */
    static Map<String, Object> factResult(Fact f) {
        var m = new LinkedHashMap<String, Object>();
        m.put("uuid", f.uuid());
        m.put("group_id", f.groupId());
        m.put("source_node_uuid", f.sourceUuid());
        m.put("target_node_uuid", f.targetUuid());
        m.put("created_at", Shapes.time(f.createdAt()));
        m.put("name", f.name());
        m.put("fact", f.fact());
        m.put("episodes", f.episodes());
        m.put("expired_at", Shapes.time(f.expiredAt()));
        m.put("valid_at", Shapes.time(f.validAt()));
        m.put("invalid_at", Shapes.time(f.invalidAt()));
        m.put("attributes", Map.of());
        return m;
    }
}
