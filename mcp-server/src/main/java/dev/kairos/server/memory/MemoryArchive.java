package dev.kairos.server.memory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.memory.Entity;
import dev.kairos.memory.EntityRef;
import dev.kairos.memory.Episode;
import dev.kairos.memory.Fact;
import dev.kairos.memory.GraphSnapshot;
import dev.kairos.memory.MemoryException;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.NewEntity;
import dev.kairos.memory.NewEpisode;
import dev.kairos.memory.NewFact;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Moves memory in and out as JSON Lines: server-memory's file ({@code {"type":"entity"|"relation",…}} lines, a
 * migration path) and Kairos's own export (a {@code {"type":"kairos",…}} header, then episodes, entities and facts
 * with their times). Imports are idempotent: what is already there is skipped.
 */
public final class MemoryArchive {
    /** The two line formats. */
    public enum Format {
        /** Everything, with uuids and the four times; imports back with its world and belief times. */
        KAIROS,
        /** server-memory's file: entities with observations and the relations true now. */
        SERVER_MEMORY
    }

    /** What an import stored, and how many records it skipped as already present. */
    public record Report(long episodes, long entities, long facts, long skipped) {
    }

    /** Told after each line is read, for a progress bar. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = lines -> {
        };

        void linesRead(long lines);
    }

    static final int EXPORT_LIMIT = 1_000_000;
    /** Episodes are read this many at a time. */
    static final int EPISODE_PAGE = 1_000;
    private static final int BATCH = 500;

    private final MemoryGraph graph;
    private final ObjectMapper json = new ObjectMapper();

    public MemoryArchive(MemoryGraph graph) {
        this.graph = graph;
    }

    // ---- import ----

    /**
     * Imports either format (told apart by the first line).
     *
     * @param group the group to import into; null keeps the groups recorded in a Kairos export, and uses the default
     *              group for server-memory's file, which has none
     * @throws IllegalArgumentException for a bad line, naming the line number and the field
     */
    public Report importFrom(BufferedReader in, String group, Progress progress) throws IOException {
        if (group != null) {
            MemoryInput.groupId("group", group);
        }
        var run = new ImportRun(group, progress);
        String line;
        while ((line = in.readLine()) != null) {
            run.line(line);
        }
        run.flush();
        return new Report(run.episodes, run.entities, run.facts, run.skipped);
    }

    private final class ImportRun {
        private final String group;
        private final Progress progress;
        private long lineNo;
        private Format format;
        private long episodes;
        private long entities;
        private long facts;
        private long skipped;
        private final List<NewEpisode> pendingEpisodes = new ArrayList<>();
        /** The uuids the pending episodes have in the export, in order. */
        private final List<String> pendingEpisodeIds = new ArrayList<>();
        private final List<Long> pendingEpisodeLines = new ArrayList<>();
        private final List<NewEntity> pendingEntities = new ArrayList<>();
        private final List<Long> pendingEntityLines = new ArrayList<>();
        private final List<NewFact> pendingFacts = new ArrayList<>();
        private final List<Long> pendingFactLines = new ArrayList<>();
        private final Set<List<String>> relationsSeen = new HashSet<>();
        /** Episode uuids of the export to the uuids they got here (new ones when the group differs). */
        private final Map<String, String> episodeIds = new HashMap<>();

        ImportRun(String group, Progress progress) {
            this.group = group;
            this.progress = progress;
        }

        void line(String text) {
            lineNo++;
            try {
                if (!text.isBlank()) {
                    record(json.readValue(text, new TypeReference<Map<String, Object>>() {
                    }));
                }
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("line " + lineNo + ": not a JSON object: " + e.getOriginalMessage(), e);
            } catch (MemoryException e) {
                throw new IllegalArgumentException("line " + lineNo + ": " + e.getMessage(), e);
            }
            progress.linesRead(lineNo);
        }

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
            String g = group != null ? group : graph.settings().defaultGroup();
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
                case "episode" -> {
                    if (!pendingEntities.isEmpty() || !pendingFacts.isEmpty()) {
                        flush(); // keeps the order of the file
                    }
                    String g = target(a);
                    String uuid = MemoryInput.uuid("uuid", a.text("uuid"));
                    var existing = graph.episode(uuid);
                    if (existing.isPresent() && existing.get().groupId().equals(g) || pendingEpisodeIds.contains(uuid)) {
                        episodeIds.put(uuid, uuid);
                        skipped++;
                        return;
                    }
                    String content = a.text("content");
                    pendingEpisodes.add(new NewEpisode(g, a.optText("name") != null ? a.optText("name") : KairosToolset.title(content),
                            content, Episode.Source.parse("source", a.optText("source")), a.optText("source_description"),
                            a.instant("valid_at"), existing.isPresent() ? null : uuid).recordedAt(a.instant("created_at")));
                    pendingEpisodeIds.add(uuid);
                    pendingEpisodeLines.add(lineNo);
                    if (pendingEpisodes.size() >= BATCH) {
                        flushEpisodes();
                    }
                }
                case "entity" -> entity(new NewEntity(target(a), a.text("name"), labels(a), a.optText("summary"),
                        a.strings("observations"), a.stringMap("attributes"), List.of()).recordedAt(a.instant("created_at")));
                case "fact" -> {
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
                default -> throw new MemoryInputException("type", "must be episode, entity or fact, was '" + type + "'");
            }
        }

        private List<String> labels(Args a) {
            List<String> types = a.strings("types");
            for (int i = 0; i < types.size(); i++) {
                MemoryInput.label("types[" + i + "]", types.get(i));
            }
            return types;
        }

        private String target(Args a) {
            return group != null ? group : MemoryInput.groupId("group_id", a.text("group_id"));
        }

        private void entity(NewEntity e) {
            pendingEntities.add(e);
            pendingEntityLines.add(lineNo);
            if (pendingEntities.size() >= BATCH) {
                flush();
            }
        }

        private void fact(NewFact f) {
            // Facts name their endpoints, so the entities before them must be stored first.
            if (!pendingEntities.isEmpty()) {
                flushEntities();
            }
            pendingFacts.add(f);
            pendingFactLines.add(lineNo);
            if (pendingFacts.size() >= BATCH) {
                flush();
            }
        }

        void flush() {
            flushEntities(); // episodes first, then entities: what follows refers to both
            if (!pendingFacts.isEmpty()) {
                try {
                    facts += graph.addFacts(pendingFacts).size();
                } catch (MemoryException e) {
                    throw new IllegalArgumentException("lines " + pendingFactLines.getFirst() + "-" + pendingFactLines.getLast()
                            + ": " + e.getMessage(), e);
                }
                pendingFacts.clear();
                pendingFactLines.clear();
            }
        }

        private void flushEpisodes() {
            if (pendingEpisodes.isEmpty()) {
                return;
            }
            try {
                List<Episode> stored = graph.addEpisodes(pendingEpisodes);
                for (int i = 0; i < stored.size(); i++) {
                    episodeIds.put(pendingEpisodeIds.get(i), stored.get(i).uuid());
                }
                episodes += stored.size();
            } catch (MemoryException e) {
                throw new IllegalArgumentException("lines " + pendingEpisodeLines.getFirst() + "-" + pendingEpisodeLines.getLast()
                        + ": " + e.getMessage(), e);
            }
            pendingEpisodes.clear();
            pendingEpisodeIds.clear();
            pendingEpisodeLines.clear();
        }

        /** Episodes go first: the entities and facts after them refer to their uuids. */
        private void flushEntities() {
            flushEpisodes();
            if (pendingEntities.isEmpty()) {
                return;
            }
            try {
                for (var w : graph.upsertEntities(pendingEntities)) {
                    if (w.created()) {
                        entities++;
                    } else {
                        skipped++;
                    }
                }
            } catch (MemoryException e) {
                throw new IllegalArgumentException("lines " + pendingEntityLines.getFirst() + "-"
                        + pendingEntityLines.getLast() + ": " + e.getMessage(), e);
            }
            pendingEntities.clear();
            pendingEntityLines.clear();
        }

        /** Whether the same fact is already there (same endpoints, name, and when given, text and valid time). */
        private boolean exists(String g, String from, String name, String to, String text, Instant validAt) {
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
                if (same && text != null && text.equals(f.fact()) && java.util.Objects.equals(validAt, f.validAt())) {
                    return true;
                }
            }
            return false;
        }
    }

    // ---- export ----

    /** Writes the groups in the given format; returns the number of lines written. */
    public long export(Writer out, List<String> groups, Format format) throws IOException {
        for (int i = 0; i < groups.size(); i++) {
            MemoryInput.groupId("groups[" + i + "]", groups.get(i));
        }
        GraphSnapshot snapshot = graph.snapshot(groups, EXPORT_LIMIT);
        long lines = 0;
        Instant now = Instant.now();
        if (format == Format.SERVER_MEMORY) {
            for (Entity e : snapshot.entities()) {
                var m = new LinkedHashMap<String, Object>();
                m.put("type", "entity");
                m.putAll(ServerMemoryToolset.entityShape(e));
                lines += write(out, m, lines);
            }
            for (Fact f : snapshot.facts()) {
                if (f.validAt(now)) {
                    var m = new LinkedHashMap<String, Object>();
                    m.put("type", "relation");
                    m.putAll(ServerMemoryToolset.relationShape(f.sourceName(), f.targetName(), f.name()));
                    lines += write(out, m, lines);
                }
            }
            return lines;
        }
        var header = new LinkedHashMap<String, Object>();
        header.put("type", "kairos");
        header.put("version", 1);
        header.put("exported_at", now.toString());
        header.put("groups", groups);
        lines += write(out, header, lines);
        // Oldest first, so a re-import stores them in the order they happened.
        for (List<Episode> page = graph.episodesAfter(groups, null, EPISODE_PAGE); !page.isEmpty();
             page = graph.episodesAfter(groups, page.get(page.size() - 1), EPISODE_PAGE)) {
            for (Episode e : page) {
                lines += write(out, typed("episode", Shapes.episode(e)), lines);
            }
        }
        for (Entity e : snapshot.entities()) {
            lines += write(out, typed("entity", Shapes.entity(e)), lines);
        }
        for (Fact f : snapshot.facts()) {
            Map<String, Object> shape = Shapes.fact(f, now);
            shape.remove("current");
            lines += write(out, typed("fact", shape), lines);
        }
        return lines;
    }

    private static Map<String, Object> typed(String type, Map<String, Object> shape) {
        var m = new LinkedHashMap<String, Object>();
        m.put("type", type);
        m.putAll(shape);
        return m;
    }

    /** server-memory writes no trailing newline; lines are joined with one, as it does. */
    private long write(Writer out, Map<String, Object> line, long before) throws IOException {
        if (before > 0) {
            out.write('\n');
        }
        try {
            out.write(json.writeValueAsString(line));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        return 1;
    }
}
