package dev.kairos.server.memory;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.kairos.memory.Deletion;
import dev.kairos.memory.Entity;
import dev.kairos.memory.EntityRef;
import dev.kairos.memory.EntityWrite;
import dev.kairos.memory.Episode;
import dev.kairos.memory.Fact;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemoryNotFoundException;
import dev.kairos.memory.MemoryStats;
import dev.kairos.memory.MemoryStatus;
import dev.kairos.memory.NewEntity;
import dev.kairos.memory.NewEpisode;
import dev.kairos.memory.NewFact;
import dev.kairos.memory.SearchQuery;
import dev.kairos.memory.SearchQuery.Method;
import dev.kairos.memory.SearchQuery.Rerank;
import dev.kairos.memory.SearchQuery.Scope;
import dev.kairos.server.memory.Shapes.DeletionShape;
import dev.kairos.server.memory.Shapes.EntityShape;
import dev.kairos.server.memory.Shapes.FactShape;
import dev.kairos.memory.ingest.IngestQueue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Kairos's own memory tools: episodes, facts, entities, hybrid search with time travel, timeline, status. */
final class KairosToolset {
    private final MemoryGraph graph;
    private final MemoryIngest ingest;

    // ---- result shapes (component order is the field order on the wire) ----

    record UpsertedEntity(EntityShape entity, boolean created) {
    }

    record Timeline(EntityShape entity, List<FactShape> facts) {
    }

    record Reached(EntityShape entity, int hops) {
    }

    record Surroundings(EntityShape centre, List<Reached> entities, List<FactShape> facts) {
    }

    record ClearedGroup(@JsonProperty("group_id") String groupId, DeletionShape deleted) {
    }

    /** The database's details and the counts appear only once it is ready. */
    record Status(String state, String detail, List<String> groups, @JsonUnwrapped Ready ready) {
    }

    record Ready(String database, String embedder, int dimension, @JsonProperty("schema_version") int schemaVersion,
                 Counts counts, Object ingestion) {
    }

    record Counts(long episodes, @JsonProperty("pending_episodes") long pendingEpisodes, long entities, long facts,
                  @JsonProperty("current_facts") long currentFacts) {
    }

    KairosToolset(MemoryGraph graph, MemoryIngest ingest) {
        this.graph = graph;
        this.ingest = ingest;
    }

    /** Extraction, for the tool sets built on this one. */
    MemoryIngest ingest() {
        return ingest;
    }

    Map<String, ToolBody> bodies() {
        var h = new LinkedHashMap<String, ToolBody>();
        h.put("memory_add_episode", this::addEpisode);
        h.put("memory_add_fact", this::addFact);
        h.put("memory_upsert_entity", this::upsertEntity);
        h.put("memory_search_facts", c -> search(c, Scope.FACTS));
        h.put("memory_search_entities", c -> search(c, Scope.ENTITIES));
        h.put("memory_search_episodes", c -> search(c, Scope.EPISODES));
        h.put("memory_timeline", this::timeline);
        h.put("memory_neighbourhood", this::neighbourhood);
        h.put("memory_invalidate_fact", this::invalidateFact);
        h.put("memory_delete", this::delete);
        h.put("memory_clear_group", this::clearGroup);
        h.put("memory_status", this::status);
        h.put("memory_retry_failed", this::retryFailed);
        h.put("memory_import", new ArchiveImportTool(graph, ingest)::run);
        return h;
    }

    private ToolOutput addEpisode(Call c) {
        Args a = c.args();
        String content = a.text("content");
        String uuid = a.optText("uuid");
        var episode = new NewEpisode(
                c.tenancy().group("group_id", a.optText("group_id")),
                a.optText("name"), // none: the graph names it (NewEpisode.defaultName)
                content,
                Episode.Source.parse("source", a.optText("source")),
                a.optText("source_description"),
                a.instant("reference_time"),
                uuid == null ? null : MemoryInput.uuid("uuid", uuid));
        Episode stored = graph.addEpisode(episode);
        c.episodeChanged(stored.uuid());
        ingest.wake();
        return ToolOutput.of(Map.of("episode", Shapes.episode(stored)));
    }

    private ToolOutput addFact(Call c) {
        Args a = c.args();
        String group = c.tenancy().group("group_id", a.optText("group_id"));
        String relation = MemoryInput.relationName("relation", a.text("relation"));
        Endpoint source = endpoint(c, group, "source", "source_uuid");
        Endpoint target = endpoint(c, group, "target", "target_uuid");
        String text = a.optText("fact");
        if (text == null) {
            text = source.name() + " " + relation + " " + target.name();
        }
        Instant validAt = a.instant("valid_at");
        Instant invalidAt = a.instant("invalid_at");
        if (validAt != null && invalidAt != null && invalidAt.isBefore(validAt)) {
            throw new MemoryInputException("invalid_at", "is before valid_at (" + validAt + ")");
        }
        var fact = new NewFact(group, source.ref(), relation, text, target.ref(), validAt, invalidAt,
                a.bool("supersede", false), List.of(), null, null);
        Fact stored = graph.addFact(fact);
        c.entityChanged(stored.sourceUuid());
        c.entityChanged(stored.targetUuid());
        return ToolOutput.of(Map.of("fact", Shapes.fact(stored, Instant.now())));
    }

    /** A fact endpoint given by name (found or created) or by the uuid of an entity the caller may touch. */
    private record Endpoint(EntityRef ref, String name) {
    }

    private Endpoint endpoint(Call c, String group, String nameField, String uuidField) {
        String uuid = c.args().optText(uuidField);
        if (uuid != null) {
            Entity e = entityByUuid(c, uuidField, uuid);
            if (!e.groupId().equals(group)) {
                throw new MemoryInputException(uuidField, "entity '" + uuid + "' is in group '" + e.groupId()
                        + "', the fact is for group '" + group + "'");
            }
            return new Endpoint(EntityRef.id(e.uuid()), e.name());
        }
        String name = c.args().optText(nameField);
        if (name == null) {
            throw new MemoryInputException(nameField, "is required (an entity name), or give " + uuidField);
        }
        return new Endpoint(EntityRef.name(name), name);
    }

    private ToolOutput upsertEntity(Call c) {
        Args a = c.args();
        List<String> types = a.strings("types");
        for (int i = 0; i < types.size(); i++) {
            MemoryInput.label("types[" + i + "]", types.get(i));
        }
        var entity = new NewEntity(c.tenancy().group("group_id", a.optText("group_id")), a.text("name"), types,
                a.optText("summary"), a.strings("observations"), a.stringMap("attributes"), List.of());
        EntityWrite w = graph.upsertEntity(entity);
        c.entityChanged(w.entity().uuid());
        return ToolOutput.of(new UpsertedEntity(Shapes.entity(w.entity()), w.created()));
    }

    private ToolOutput search(Call c, Scope scope) {
        Args a = c.args();
        List<String> groups = c.tenancy().groups("group_ids", a.strings("group_ids"));
        String centre = a.optText("center_entity_uuid");
        if (centre != null) {
            entityByUuid(c, "center_entity_uuid", centre);
        }
        Rerank rerank = rerank(a.optText("rerank"), centre);
        List<String> entityTypes = a.strings("entity_types");
        for (int i = 0; i < entityTypes.size(); i++) {
            MemoryInput.label("entity_types[" + i + "]", entityTypes.get(i));
        }
        List<String> factTypes = a.strings("fact_types");
        for (int i = 0; i < factTypes.size(); i++) {
            MemoryInput.relationName("fact_types[" + i + "]", factTypes.get(i));
        }
        var query = new SearchQuery(a.text("query"), groups, EnumSet.of(scope), a.integer("limit", 10, 1, 100),
                entityTypes, factTypes, a.instant("as_of"), a.instant("belief_as_of"),
                a.bool("include_invalidated", false), centre, rerank, methods(a.strings("methods")), 0, a.instant("reference_time"));
        var results = graph.search(query);
        Instant now = Instant.now();
        return switch (scope) {
            case FACTS -> ToolOutput.of(Map.of("facts", results.facts().stream()
                    .map(h -> Shapes.scored(Shapes.fact(h.value(), now), h.score())).toList()));
            case ENTITIES -> ToolOutput.of(Map.of("entities", results.entities().stream()
                    .map(h -> Shapes.scored(Shapes.entity(h.value()), h.score())).toList()));
            case EPISODES -> ToolOutput.of(Map.of("episodes", results.episodes().stream()
                    .map(h -> Shapes.scored(Shapes.episode(h.value()), h.score())).toList()));
        };
    }

    /** The retrieval methods named (null: all). */
    private static Set<Method> methods(List<String> names) {
        if (names.isEmpty()) {
            return null;
        }
        Set<Method> out = EnumSet.noneOf(Method.class);
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i) == null ? "" : names.get(i).trim().toLowerCase(Locale.ROOT);
            out.add(switch (n) {
                case "fulltext" -> Method.FULLTEXT;
                case "vector" -> Method.VECTOR;
                case "bfs" -> Method.BFS;
                case "time" -> Method.TIME;
                case "entities" -> Method.ENTITIES;
                default -> throw new MemoryInputException("methods[" + i + "]",
                        "must be fulltext, vector, bfs, time or entities, was '" + names.get(i) + "'");
            });
        }
        return out;
    }

    private static Rerank rerank(String text, String centre) {
        if (text == null) {
            return null;
        }
        Rerank r = switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "rrf" -> Rerank.RRF;
            case "mmr" -> Rerank.MMR;
            case "node_distance", "node-distance" -> Rerank.NODE_DISTANCE;
            default -> throw new MemoryInputException("rerank", "must be rrf, mmr or node_distance, was '" + text + "'");
        };
        if (r == Rerank.NODE_DISTANCE && centre == null) {
            throw new MemoryInputException("rerank", "node_distance needs center_entity_uuid");
        }
        return r;
    }

    private ToolOutput timeline(Call c) {
        Entity e = entity(c);
        Instant asOf = c.args().instant("as_of");
        Instant now = Instant.now();
        List<FactShape> facts = new ArrayList<>();
        for (Fact f : graph.timeline(e.uuid())) {
            if (asOf == null || f.validAt(asOf)) {
                facts.add(Shapes.fact(f, now));
            }
        }
        return ToolOutput.of(new Timeline(Shapes.entity(e), facts));
    }

    private ToolOutput neighbourhood(Call c) {
        Entity e = entity(c);
        var n = graph.neighbourhood(e.uuid(), c.args().integer("hops", 1, 1, 3), c.args().bool("include_invalidated", false));
        Instant now = Instant.now();
        return ToolOutput.of(new Surroundings(Shapes.entity(n.centre()),
                n.entities().stream().map(r -> new Reached(Shapes.entity(r.entity()), r.hops())).toList(),
                n.facts().stream().map(f -> Shapes.fact(f, now)).toList()));
    }

    private ToolOutput invalidateFact(Call c) {
        Args a = c.args();
        Fact f = factByUuid(c, "uuid", a.text("uuid"));
        Instant at = a.instant("invalid_at");
        if (at != null && f.validAt() != null && at.isBefore(f.validAt())) {
            throw new MemoryInputException("invalid_at", "is before the fact's valid_at (" + f.validAt() + ")");
        }
        Fact updated = graph.invalidateFact(f.uuid(), at);
        c.entityChanged(updated.sourceUuid());
        c.entityChanged(updated.targetUuid());
        return ToolOutput.of(Map.of("fact", Shapes.fact(updated, Instant.now())));
    }

    private ToolOutput delete(Call c) {
        Args a = c.args();
        String kind = a.text("kind");
        String uuid = a.text("uuid");
        Deletion d = switch (kind) {
            case "episode" -> deleteEpisode(c, "uuid", uuid);
            case "entity" -> {
                Entity e = entityByUuid(c, "uuid", uuid);
                c.entityChanged(e.uuid());
                for (Fact f : graph.timeline(e.uuid())) {
                    c.entityChanged(f.sourceUuid());
                    c.entityChanged(f.targetUuid());
                }
                yield graph.deleteEntity(e.uuid());
            }
            case "fact" -> {
                Fact f = factByUuid(c, "uuid", uuid);
                c.entityChanged(f.sourceUuid());
                c.entityChanged(f.targetUuid());
                yield graph.deleteFact(f.uuid());
            }
            default -> throw new MemoryInputException("kind", "must be episode, entity or fact, was '" + kind + "'");
        };
        return ToolOutput.of(Map.of("deleted", Shapes.deletion(d)));
    }

    private ToolOutput clearGroup(Call c) {
        String group = c.tenancy().group("group_id", c.args().text("group_id"));
        Deletion d = graph.clearGroup(group);
        return ToolOutput.of(new ClearedGroup(group, Shapes.deletion(d)));
    }

    private ToolOutput status(Call c) {
        List<String> groups = c.tenancy().groups("group_ids", c.args().strings("group_ids"));
        MemoryStatus status = graph.status();
        String state = switch (status) {
            case MemoryStatus.Starting s -> "starting";
            case MemoryStatus.Ready r -> "ready";
            case MemoryStatus.Failed f -> "failed";
            case MemoryStatus.Closed x -> "closed";
        };
        Ready ready = null;
        if (status instanceof MemoryStatus.Ready r) {
            MemoryStats s = graph.stats(groups);
            ready = new Ready(r.database(), r.embedder(), r.dimension(), r.schemaVersion(),
                    new Counts(s.episodes(), s.pendingEpisodes(), s.entities(), s.facts(), s.currentFacts()), ingestion(groups));
        }
        // The Bolt address only for callers allowed every group (the local user, an all-groups token).
        return ToolOutput.of(new Status(state, status.describe(c.caller().allGroups()), groups, ready));
    }

    /** The extraction queue of the groups, where the model comes from, and the latest failures with their errors. */
    private Map<String, Object> ingestion(List<String> groups) {
        IngestQueue.Counts q = graph.ingestQueue().counts(groups);
        var out = new LinkedHashMap<String, Object>();
        out.put("pending", q.pending());
        out.put("processing", q.processing());
        out.put("done", q.done());
        out.put("failed", q.failed());
        out.put("model", ingest.describe());
        out.put("failed_episodes", graph.ingestQueue().failed(groups, 5).stream().map(e -> {
            var m = new LinkedHashMap<String, Object>();
            m.put("uuid", e.episodeUuid());
            m.put("group_id", e.groupId());
            m.put("attempts", e.attempts());
            m.put("last_error", e.lastError());
            return m;
        }).toList());
        return out;
    }

    private ToolOutput retryFailed(Call c) {
        List<String> groups = c.tenancy().groups("group_ids", c.args().strings("group_ids"));
        int n = graph.ingestQueue().requeueFailed(groups);
        ingest.wake();
        var out = new LinkedHashMap<String, Object>();
        out.put("requeued", n);
        out.put("groups", groups);
        out.put("model", ingest.describe());
        return ToolOutput.of(out);
    }

    // ---- shared lookups, each checked against the caller's groups ----

    Deletion deleteEpisode(Call c, String field, String uuid) {
        MemoryInput.uuid(field, uuid);
        Episode e = graph.episode(uuid).orElseThrow(() -> new MemoryNotFoundException(field, "episode", uuid));
        c.tenancy().owned(field, "episode", uuid, e.groupId(), e);
        c.episodeChanged(e.uuid());
        for (Entity mentioned : graph.entitiesOf(e.uuid())) {
            c.entityChanged(mentioned.uuid());
        }
        return graph.deleteEpisode(e.uuid());
    }

    private Entity entity(Call c) {
        String uuid = c.args().optText("entity_uuid");
        if (uuid != null) {
            return entityByUuid(c, "entity_uuid", uuid);
        }
        String name = c.args().optText("entity_name");
        if (name == null) {
            throw new MemoryInputException("entity_uuid", "is required (or give entity_name)");
        }
        String group = c.tenancy().group("group_id", c.args().optText("group_id"));
        return graph.entityNamed(group, name).orElseThrow(() -> new MemoryNotFoundException("entity_name", "entity", name));
    }

    private Entity entityByUuid(Call c, String field, String uuid) {
        MemoryInput.uuid(field, uuid);
        Entity e = graph.entity(uuid).orElseThrow(() -> new MemoryNotFoundException(field, "entity", uuid));
        return c.tenancy().owned(field, "entity", uuid, e.groupId(), e);
    }

    private Fact factByUuid(Call c, String field, String uuid) {
        MemoryInput.uuid(field, uuid);
        Fact f = graph.fact(uuid).orElseThrow(() -> new MemoryNotFoundException(field, "fact", uuid));
        return c.tenancy().owned(field, "fact", uuid, f.groupId(), f);
    }
}
