package dev.kairos.server.memory;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.memory.Entity;
import dev.kairos.memory.Episode;
import dev.kairos.memory.Fact;
import dev.kairos.memory.GraphSnapshot;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemoryInput;
import dev.kairos.server.memory.MemoryArchive.Format;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.time.Instant;
import java.util.List;

/** Writes groups as JSON Lines: Kairos's full export, or server-memory's file. */
final class ArchiveExport {
    static final int EXPORT_LIMIT = 1_000_000;
    /** Episodes are read this many at a time. */
    static final int EPISODE_PAGE = 1_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The first line of a Kairos export. */
    private record Header(String type, int version, @JsonProperty("exported_at") String exportedAt, List<String> groups) {
    }

    /** One record of the file: its type, then the fields of its shape. */
    private record Line(String type, @JsonUnwrapped Object shape) {
    }

    private final MemoryGraph graph;
    private final Writer out;
    private long lines;

    ArchiveExport(MemoryGraph graph, Writer out) {
        this.graph = graph;
        this.out = out;
    }

    /** Writes the groups in the given format; returns the number of lines written. */
    long write(List<String> groups, Format format) throws IOException {
        for (int i = 0; i < groups.size(); i++) {
            MemoryInput.groupId("groups[" + i + "]", groups.get(i));
        }
        GraphSnapshot snapshot = graph.snapshot(groups, EXPORT_LIMIT);
        Instant now = Instant.now();
        if (format == Format.SERVER_MEMORY) {
            for (Entity e : snapshot.entities()) {
                line(new Line("entity", ServerMemoryToolset.entityShape(e)));
            }
            for (Fact f : snapshot.facts()) {
                if (f.validAt(now)) {
                    line(new Line("relation", ServerMemoryToolset.relationShape(f)));
                }
            }
            return lines;
        }
        line(new Header("kairos", 1, now.toString(), groups));
        // Oldest first, so a re-import stores them in the order they happened.
        for (List<Episode> page = graph.episodesAfter(groups, null, EPISODE_PAGE); !page.isEmpty();
             page = graph.episodesAfter(groups, page.get(page.size() - 1), EPISODE_PAGE)) {
            for (Episode e : page) {
                line(new Line("episode", Shapes.episode(e)));
            }
        }
        for (Entity e : snapshot.entities()) {
            line(new Line("entity", Shapes.entity(e)));
        }
        for (Fact f : snapshot.facts()) {
            line(new Line("fact", Shapes.fact(f, now).withoutCurrent()));
        }
        return lines;
    }

    /** server-memory writes no trailing newline; lines are joined with one, as it does. */
    private void line(Object value) throws IOException {
        if (lines > 0) {
            out.write('\n');
        }
        try {
            out.write(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        lines++;
    }
}
