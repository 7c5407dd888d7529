package dev.kairos.server.memory;

import dev.kairos.memory.MemoryGraph;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.util.List;

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

        /** Told after each batch is stored, with the lines read so far and what is stored and skipped so far. */
        default void batchStored(long lines, Report soFar) {
        }
    }

    private final MemoryGraph graph;

    public MemoryArchive(MemoryGraph graph) {
        this.graph = graph;
    }

    /**
     * Imports either format (told apart by the first line).
     *
     * @param group the group to import into; null keeps the groups recorded in a Kairos export, and uses the default
     *              group for server-memory's file, which has none
     * @throws IllegalArgumentException for a bad line, naming the line number and the field
     */
    public Report importFrom(BufferedReader in, String group, Progress progress) throws IOException {
        return new ArchiveImport(graph, group, progress).readAll(in);
    }

    /** Writes the groups in the given format; returns the number of lines written. */
    public long export(Writer out, List<String> groups, Format format) throws IOException {
        return new ArchiveExport(graph, out).write(groups, format);
    }
}
