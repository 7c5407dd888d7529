package dev.kairos.server.memory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.memory.Entity;
import dev.kairos.memory.EntityWrite;
import dev.kairos.memory.Fact;
import dev.kairos.memory.GraphSnapshot;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryNotFoundException;
import dev.kairos.memory.NewEntity;
import dev.kairos.memory.NewFact;
import dev.kairos.transports.Caller;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.spec.McpSchema;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A drop-in for {@code @modelcontextprotocol/server-memory}: its nine tools with its argument names and result
 * shapes, over the bi-temporal graph of the caller's default group (entities unique by name, relations as facts).
 */
final class ServerMemoryToolset {
    static final String KNOWLEDGE_GRAPH_URI = "memory://knowledge-graph";
    /** The attribute that keeps server-memory's free-text entityType; the sanitised form becomes the label. */
    static final String ENTITY_TYPE = "entityType";
    /** read_graph and search_nodes read the whole group, as the anchor does; this bounds one read. */
    static final int MAX_GRAPH = 100_000;

    private final MemoryGraph graph;
    private final ObjectMapper json;

    ServerMemoryToolset(MemoryGraph graph, ObjectMapper json) {
        this.graph = graph;
        this.json = json;
    }

    Map<String, ToolBody> bodies() {
        var h = new LinkedHashMap<String, ToolBody>();
        h.put("create_entities", this::createEntities);
        h.put("create_relations", this::createRelations);
        h.put("add_observations", this::addObservations);
        h.put("delete_entities", this::deleteEntities);
        h.put("delete_observations", this::deleteObservations);
        h.put("delete_relations", this::deleteRelations);
        h.put("read_graph", c -> graphReply(readGraph(group(c))));
        h.put("search_nodes", this::searchNodes);
        h.put("open_nodes", this::openNodes);
        return h;
    }

    /** The anchor's one resource, the whole graph of the caller's default group. */
    SyncResourceSpecification knowledgeGraphResource(String defaultGroup) {
        var resource = McpSchema.Resource.builder()
                .uri(KNOWLEDGE_GRAPH_URI)
                .name("knowledge-graph")
                .title("Knowledge Graph")
                .description("The full knowledge graph with all entities and relations")
                .mimeType("application/json")
                .build();
        return new SyncResourceSpecification(resource, (exchange, request) -> {
            Caller caller = Caller.of(exchange, defaultGroup);
            String group = new Tenancy(caller).group("group", null);
            return new McpSchema.ReadResourceResult(List.of(new McpSchema.TextResourceContents(
                    KNOWLEDGE_GRAPH_URI, "application/json", pretty(readGraph(group)))));
        });
    }

    private static String group(Call c) {
        return c.tenancy().group("group", null);
    }

    private ToolOutput createEntities(Call c) {
        String group = group(c);
        List<NewEntity> fresh = new ArrayList<>();
        List<GraphEntity> created = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Args e : c.args().objects("entities")) {
            String name = e.string("name");
            String type = e.string("entityType");
            List<String> observations = e.requiredStrings("observations");
            if (!seen.add(name) || graph.entityNamed(group, name).isPresent()) {
                continue;
            }
            fresh.add(new NewEntity(group, name, label(type), null, dedupe(observations),
                    Map.of(ENTITY_TYPE, type), List.of()));
            created.add(new GraphEntity(name, type, observations));
        }
        for (EntityWrite w : graph.upsertEntities(fresh)) {
            c.entityChanged(w.entity().uuid());
        }
        changedGraph(c, !fresh.isEmpty());
        return ToolOutput.of(Map.of("entities", created), pretty(created));
    }

    private ToolOutput createRelations(Call c) {
        String group = group(c);
        List<GraphRelation> created = new ArrayList<>();
        List<NewFact> fresh = new ArrayList<>();
        Set<List<String>> seen = new HashSet<>();
        List<Args> relations = c.args().objects("relations");
        for (int i = 0; i < relations.size(); i++) {
            Args r = relations.get(i);
            String from = r.string("from");
            String to = r.string("to");
            String type = MemoryInput.relationName(r.field("relationType"), r.string("relationType"));
            if (!seen.add(List.of(from, to, type)) || !currentRelations(group, from, to, type).isEmpty()) {
                continue;
            }
            fresh.add(NewFact.triplet(group, from, type, from + " " + type + " " + to, to));
            created.add(new GraphRelation(from, to, type));
        }
        for (Fact f : graph.addFacts(fresh)) {
            c.entityChanged(f.sourceUuid());
            c.entityChanged(f.targetUuid());
        }
        changedGraph(c, !fresh.isEmpty());
        return ToolOutput.of(Map.of("relations", created), pretty(created));
    }

    private ToolOutput addObservations(Call c) {
        String group = group(c);
        List<Args> items = c.args().objects("observations");
        // Check every entity first: like the anchor, a missing one fails the whole call and changes nothing.
        List<Entity> entities = new ArrayList<>();
        for (Args o : items) {
            String name = o.string("entityName");
            o.requiredStrings("contents");
            entities.add(graph.entityNamed(group, name)
                    .orElseThrow(() -> new MemoryNotFoundException(o.field("entityName"), "entity", name)));
        }
        List<AddedObservations> results = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Entity e = entities.get(i);
            List<String> added = graph.addObservations(group, e.name(), dedupe(items.get(i).strings("contents")));
            c.entityChanged(e.uuid());
            results.add(new AddedObservations(e.name(), added));
        }
        changedGraph(c, true);
        return ToolOutput.of(Map.of("results", results), pretty(results));
    }

    private ToolOutput deleteEntities(Call c) {
        String group = group(c);
        for (String name : c.args().requiredStrings("entityNames")) {
            var found = graph.entityNamed(group, name);
            if (found.isPresent()) {
                c.entityChanged(found.get().uuid());
                for (Fact f : graph.timeline(found.get().uuid())) {
                    c.entityChanged(f.sourceUuid());
                    c.entityChanged(f.targetUuid());
                }
                graph.deleteEntity(found.get().uuid());
            }
        }
        changedGraph(c, true);
        return success("Entities deleted successfully");
    }

    private ToolOutput deleteObservations(Call c) {
        String group = group(c);
        for (Args d : c.args().objects("deletions")) {
            String name = d.string("entityName");
            List<String> observations = d.requiredStrings("observations");
            var found = graph.entityNamed(group, name);
            if (found.isPresent()) {
                graph.deleteObservations(group, name, observations);
                c.entityChanged(found.get().uuid());
            }
        }
        changedGraph(c, true);
        return success("Observations deleted successfully");
    }

    /** Deleted relations are invalidated now, not erased: they leave the current graph but stay in its history. */
    private ToolOutput deleteRelations(Call c) {
        String group = group(c);
        for (Args r : c.args().objects("relations")) {
            for (Fact f : currentRelations(group, r.string("from"), r.string("to"), r.string("relationType"))) {
                graph.invalidateFact(f.uuid(), null);
                c.entityChanged(f.sourceUuid());
                c.entityChanged(f.targetUuid());
            }
        }
        changedGraph(c, true);
        return success("Relations deleted successfully");
    }

    private ToolOutput searchNodes(Call c) {
        String query = c.args().string("query").toLowerCase(Locale.ROOT);
        Graph all = readGraph(group(c));
        var entities = all.entities().stream().filter(e ->
                e.name().toLowerCase(Locale.ROOT).contains(query)
                        || e.entityType().toLowerCase(Locale.ROOT).contains(query)
                        || e.observations().stream().anyMatch(o -> o.toLowerCase(Locale.ROOT).contains(query))).toList();
        return graphReply(touching(all, entities));
    }

    /** Looks the names up one by one (no whole-graph read): the entities, and the current facts touching them. */
    private ToolOutput openNodes(Call c) {
        String group = group(c);
        Instant now = Instant.now();
        List<GraphEntity> entities = new ArrayList<>();
        Map<String, Fact> facts = new LinkedHashMap<>();
        for (String name : new LinkedHashSet<>(c.args().requiredStrings("names"))) {
            var found = graph.entityNamed(group, name);
            if (found.isPresent()) {
                entities.add(entityShape(found.get()));
                graph.timeline(found.get().uuid()).stream().filter(f -> f.validAt(now)).forEach(f -> facts.putIfAbsent(f.uuid(), f));
            }
        }
        List<GraphRelation> relations = facts.values().stream()
                .sorted(java.util.Comparator.comparing(Fact::createdAt, java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder())))
                .map(ServerMemoryToolset::relationShape).toList();
        return graphReply(new Graph(entities, relations));
    }

    // ---- the anchor's shapes, in its field names; component order is the field order on the wire ----

    /** server-memory's {@code {entities, relations}}. */
    record Graph(List<GraphEntity> entities, List<GraphRelation> relations) {
    }

    /** server-memory's Entity; its export lines carry the same fields. */
    record GraphEntity(String name, String entityType, List<String> observations) {
    }

    /** server-memory's Relation. */
    record GraphRelation(String from, String to, String relationType) {
    }

    record AddedObservations(String entityName, List<String> addedObservations) {
    }

    record Success(boolean success, String message) {
    }

    Graph readGraph(String group) {
        GraphSnapshot s = graph.snapshot(List.of(group), MAX_GRAPH);
        Instant now = Instant.now();
        return new Graph(
                s.entities().stream().map(ServerMemoryToolset::entityShape).toList(),
                s.facts().stream().filter(f -> f.validAt(now)).map(ServerMemoryToolset::relationShape).toList());
    }

    /** The entities, and the relations with at least one endpoint among them (the anchor's rule). */
    private static Graph touching(Graph all, List<GraphEntity> entities) {
        Set<String> names = new HashSet<>();
        entities.forEach(e -> names.add(e.name()));
        return new Graph(entities, all.relations().stream()
                .filter(r -> names.contains(r.from()) || names.contains(r.to())).toList());
    }

    private ToolOutput graphReply(Graph g) {
        return ToolOutput.of(g, pretty(g));
    }

    static GraphEntity entityShape(Entity e) {
        String type = e.attributes().getOrDefault(ENTITY_TYPE, e.labels().isEmpty() ? "" : e.labels().getFirst());
        return new GraphEntity(e.name(), type, e.observations());
    }

    static GraphRelation relationShape(Fact f) {
        return new GraphRelation(f.sourceName(), f.targetName(), f.name());
    }

    /**
     * server-memory's entityType is free text ("person", "city state"); a Neo4j label must match a strict pattern,
     * so the label is a sanitised copy and the original stays in the {@code entityType} attribute.
     */
    static List<String> label(String entityType) {
        String l = entityType.replaceAll("[^A-Za-z0-9_]+", "_").replaceAll("^_+|_+$", "");
        if (l.isEmpty()) {
            return List.of();
        }
        if (!Character.isLetter(l.charAt(0))) {
            l = "T_" + l;
        }
        if (l.length() > 64) {
            l = l.substring(0, 64);
        }
        if (l.equals("Entity") || l.equals("Episode") || l.equals("MemorySchema")) {
            l = l + "_";
        }
        return List.of(l);
    }

    /** Current facts {@code from -[type]-> to} in the group. */
    private List<Fact> currentRelations(String group, String from, String to, String type) {
        var source = graph.entityNamed(group, from);
        if (source.isEmpty()) {
            return List.of();
        }
        Instant now = Instant.now();
        return graph.timeline(source.get().uuid()).stream()
                .filter(f -> f.validAt(now) && f.name().equals(type)
                        && f.sourceUuid().equals(source.get().uuid()) && f.targetName().equals(to))
                .toList();
    }

    private static List<String> dedupe(List<String> values) {
        return List.copyOf(new LinkedHashSet<>(values));
    }

    private static void changedGraph(Call c, boolean changed) {
        if (changed) {
            c.resourceChanged(KNOWLEDGE_GRAPH_URI);
        }
    }

    private static ToolOutput success(String message) {
        return ToolOutput.of(new Success(true, message), message);
    }

    private String pretty(Object value) {
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a tool result as JSON", e);
        }
    }
}
