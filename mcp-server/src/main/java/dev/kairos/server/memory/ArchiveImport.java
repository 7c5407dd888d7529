package dev.kairos.server.memory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.memory.EntityRef;
import dev.kairos.memory.Episode;
import dev.kairos.memory.Fact;
import dev.kairos.memory.MemoryException;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.NewEntity;
import dev.kairos.memory.NewEpisode;
import dev.kairos.memory.NewFact;
import dev.kairos.server.memory.MemoryArchive.Format;
import dev.kairos.server.memory.MemoryArchive.Progress;
import dev.kairos.server.memory.MemoryArchive.Report;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * One import of a JSON Lines file: lines are read into batches of episodes, entities and facts, stored in the
 * file's order (episodes, then the entities and facts that refer to them); what is already there is skipped.
 */
final class ArchiveImport {
    private static final int BATCH = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A record read from the file, with the line it came from, so a failed batch names its lines. */
    private record Read<T>(T value, long line) {
    }

    /** An episode of a Kairos export and the uuid it has there (facts name their episodes by it). */
    private record ExportedEpisode(NewEpisode episode, String exportedUuid) {
    }

    /** Records read but not stored yet. */
    private static final class Batch<T> {
        private final List<Read<T>> reads = new ArrayList<>();

        void add(T value, long line) {
            reads.add(new Read<>(value, line));
        }

        boolean isEmpty() {
            return reads.isEmpty();
        }

        boolean isFull() {
            return reads.size() >= BATCH;
        }

        List<T> values() {
            return reads.stream().map(Read::value).toList();
        }

        void clear() {
            reads.clear();
        }

        boolean contains(Function<T, Object> key, Object value) {
            return reads.stream().anyMatch(r -> Objects.equals(key.apply(r.value()), value));
        }

        /** Stores the batch with {@code store}; a failure names the batch's first and last line. */
        <R> R store(Function<List<T>, R> store) {
            try {
                return store.apply(values());
            } catch (MemoryException e) {
                throw new IllegalArgumentException("lines " + reads.getFirst().line() + "-" + reads.getLast().line()
                        + ": " + e.getMessage(), e);
            } finally {
                reads.clear();
            }
        }
    }

    private final MemoryGraph graph;
    private final String group;
    /** Where server-memory's file goes when no group is given (it records none). */
    private final String fallbackGroup;
    private final Progress progress;
    /** Reads and checks every line, and stores nothing. */
    private final boolean checkOnly;
    /** The groups the lines write to, with the first line that names each. */
    private final Map<String, Long> groups = new LinkedHashMap<>();
    private long lineNo;
    private Format format;
    private long episodes;
    private long entities;
    private long facts;
    private long skipped;
    private final Batch<ExportedEpisode> pendingEpisodes = new Batch<>();
    private final Batch<NewEntity> pendingEntities = new Batch<>();
    private final Batch<NewFact> pendingFacts = new Batch<>();
    private final Set<List<String>> relationsSeen = new HashSet<>();
    /** Episode uuids of the export to the uuids they got here (new ones when the group differs). */
    private final Map<String, String> episodeIds = new HashMap<>();

    /**
     * @param group the group to import into; null keeps the groups recorded in a Kairos export, and uses the default
     *              group for server-memory's file, which has none
     */
    ArchiveImport(MemoryGraph graph, String group, Progress progress) {
        this(graph, group, graph.settings().defaultGroup(), progress, false);
    }

    /**
     * @param fallbackGroup the group server-memory's file goes to when {@code group} is null
     * @param checkOnly     read and check every line (formats, fields, groups) but store nothing: run first, so that a
     *                      bad line is found before anything is imported
     */
    ArchiveImport(MemoryGraph graph, String group, String fallbackGroup, Progress progress, boolean checkOnly) {
        if (group != null) {
            MemoryInput.groupId("group", group);
        }
        this.graph = graph;
        this.group = group;
        this.fallbackGroup = fallbackGroup;
        this.progress = progress;
        this.checkOnly = checkOnly;
    }

    /** The groups the lines read so far write to, each with the first line that names it. */
    Map<String, Long> groups() {
        return groups;
    }

    /** The lines read so far. */
    long lines() {
        return lineNo;
    }

    /** The format told by the first line; null before one is read. */
    Format format() {
        return format;
    }

    /** What was stored and skipped so far. */
    Report report() {
        return new Report(episodes, entities, facts, skipped);
    }

    Report readAll(BufferedReader in) throws IOException {
        String text;
        while ((text = in.readLine()) != null) {
            line(text);
        }
        flush();
        return new Report(episodes, entities, facts, skipped);
    }

    private void line(String text) {
        lineNo++;
        try {
            if (!text.isBlank()) {
                record(JSON.readValue(text, new TypeReference<Map<String, Object>>() {
                }));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("line " + lineNo + ": not a JSON object: " + e.getOriginalMessage(), e);
        } catch (MemoryException e) {
            throw new IllegalArgumentException("line " + lineNo + ": " + e.getMessage(), e);
        }
        progress.linesRead(lineNo);
    }

    /** The first line tells the formats apart: a Kairos export starts with its {@code "type":"kairos"} header. */
    private void record(Map<String, Object> m) {
        Args a = new Args(m);
        String type = a.text("type");
        if (format == null) {
            format = type.equals("kairos") ? Format.KAIROS : Format.SERVER_MEMORY;
            if (format == Format.KAIROS) {
                return;
            }
        }
        switch (format) {
            case SERVER_MEMORY -> serverMemory(type, a);
            case KAIROS -> kairos(type, a);
        }
    }

    private void serverMemory(String type, Args a) {
        String g = noted(group != null ? group : fallbackGroup);
        switch (type) {
            case "entity" -> {
                String entityType = a.string("entityType");
                entity(new NewEntity(g, a.text("name"), ServerMemoryToolset.label(entityType), null,
                        a.requiredStrings("observations"), Map.of(ServerMemoryToolset.ENTITY_TYPE, entityType), List.of()));
            }
            case "relation" -> {
                String from = a.text("from");
                String to = a.text("to");
                String relation = MemoryInput.relationName("relationType", a.text("relationType"));
                if (!relationsSeen.add(List.of(g, from, relation, to)) || exists(g, from, relation, to, null, null)) {
                    skipped++;
                    return;
                }
                fact(NewFact.triplet(g, from, relation, from + " " + relation + " " + to, to));
            }
            default -> throw new MemoryInputException("type", "must be entity or relation, was '" + type + "'");
        }
    }

    private void kairos(String type, Args a) {
        switch (type) {
            case "episode" -> episode(a);
            case "entity" -> entity(new NewEntity(target(a), a.text("name"), labels(a), a.optText("summary"),
                    a.strings("observations"), a.stringMap("attributes"), List.of()).recordedAt(a.instant("created_at")));
            case "fact" -> kairosFact(a);
            default -> throw new MemoryInputException("type", "must be episode, entity or fact, was '" + type + "'");
        }
    }

    private void episode(Args a) {
        if (!pendingEntities.isEmpty() || !pendingFacts.isEmpty()) {
            flush(); // keeps the order of the file
        }
        String g = target(a);
        String uuid = MemoryInput.uuid("uuid", a.text("uuid"));
        String id = uuid;
        var existing = graph.episode(uuid);
        if (existing.isPresent() && !existing.get().groupId().equals(g)) {
            // a copy into another group: its uuid is derived from both, so importing again finds the copy and skips it
            id = UUID.nameUUIDFromBytes((g + "/" + uuid).getBytes(StandardCharsets.UTF_8)).toString();
            existing = graph.episode(id);
        }
        boolean here = existing.isPresent() && existing.get().groupId().equals(g);
        if (here || pendingEpisodes.contains(ExportedEpisode::exportedUuid, uuid)) {
            episodeIds.put(uuid, id);
            skipped++;
            return;
        }
        // No name: the graph gives it the default name (NewEpisode.defaultName).
        var episode = new NewEpisode(g, a.optText("name"), a.text("content"), Episode.Source.parse("source", a.optText("source")),
                a.optText("source_description"), a.instant("valid_at"), existing.isPresent() ? null : id)
                .recordedAt(a.instant("created_at"));
        pendingEpisodes.add(new ExportedEpisode(episode, uuid), lineNo);
        if (pendingEpisodes.isFull()) {
            flushEpisodes();
        }
    }

    private void kairosFact(Args a) {
        String g = target(a);
        Args source = a.object("source");
        Args target = a.object("target");
        String from = source.text("name");
        String to = target.text("name");
        String name = MemoryInput.relationName("name", a.text("name"));
        Instant validAt = a.instant("valid_at");
        Instant invalidAt = a.instant("invalid_at");
        String text = a.text("fact");
        if (exists(g, from, name, to, text, validAt)) {
            skipped++;
            return;
        }
        List<String> provenance = new ArrayList<>();
        for (String e : a.strings("episodes")) {
            String mapped = episodeIds.get(e);
            if (mapped != null) {
                provenance.add(mapped);
            }
        }
        fact(new NewFact(g, EntityRef.name(from), name, text, EntityRef.name(to), validAt, invalidAt, false,
                provenance, null, null).recordedAt(a.instant("created_at"), a.instant("expired_at")));
    }

    private List<String> labels(Args a) {
        List<String> types = a.strings("types");
        for (int i = 0; i < types.size(); i++) {
            MemoryInput.label("types[" + i + "]", types.get(i));
        }
        return types;
    }

    private String target(Args a) {
        return noted(group != null ? group : MemoryInput.groupId("group_id", a.text("group_id")));
    }

    private String noted(String g) {
        groups.putIfAbsent(g, lineNo);
        return g;
    }

    private void entity(NewEntity e) {
        pendingEntities.add(e, lineNo);
        if (pendingEntities.isFull()) {
            flush();
        }
    }

    private void fact(NewFact f) {
        // Facts name their endpoints, so the entities before them must be stored first.
        if (!pendingEntities.isEmpty()) {
            flushEntities();
        }
        pendingFacts.add(f, lineNo);
        if (pendingFacts.isFull()) {
            flush();
        }
    }

    private void flush() {
        flushEntities(); // episodes first, then entities: what follows refers to both
        if (checkOnly) {
            pendingFacts.clear();
        } else if (!pendingFacts.isEmpty()) {
            facts += pendingFacts.store(graph::addFacts).size();
            progress.batchStored(lineNo, report());
        }
    }

    private void flushEpisodes() {
        if (pendingEpisodes.isEmpty()) {
            return;
        }
        if (checkOnly) {
            pendingEpisodes.values().forEach(e -> episodeIds.put(e.exportedUuid(), e.exportedUuid()));
            pendingEpisodes.clear();
            return;
        }
        List<String> exported = pendingEpisodes.values().stream().map(ExportedEpisode::exportedUuid).toList();
        List<Episode> stored = pendingEpisodes.store(batch -> graph.addEpisodes(batch.stream().map(ExportedEpisode::episode).toList()));
        for (int i = 0; i < stored.size(); i++) {
            episodeIds.put(exported.get(i), stored.get(i).uuid());
        }
        episodes += stored.size();
        progress.batchStored(lineNo, report());
    }

    /** Episodes go first: the entities and facts after them refer to their uuids. */
    private void flushEntities() {
        flushEpisodes();
        if (pendingEntities.isEmpty()) {
            return;
        }
        if (checkOnly) {
            pendingEntities.clear();
            return;
        }
        for (var w : pendingEntities.store(graph::upsertEntities)) {
            if (w.created()) {
                entities++;
            } else {
                skipped++;
            }
        }
        progress.batchStored(lineNo, report());
    }

    /** Whether the same fact is already there (same endpoints, name, and when given, text and valid time). */
    private boolean exists(String g, String from, String name, String to, String text, Instant validAt) {
        if (checkOnly) {
            return false; // nothing is stored while checking
        }
        flushEntities();
        var source = graph.entityNamed(g, from);
        if (source.isEmpty()) {
            return false;
        }
        Instant now = Instant.now();
        for (Fact f : graph.timeline(source.get().uuid())) {
            boolean same = f.sourceUuid().equals(source.get().uuid()) && f.name().equals(name) && f.targetName().equals(to);
            if (same && text == null && f.validAt(now)) {
                return true;
            }
            if (same && text != null && text.equals(f.fact()) && Objects.equals(validAt, f.validAt())) {
                return true;
            }
        }
        return false;
    }
}
