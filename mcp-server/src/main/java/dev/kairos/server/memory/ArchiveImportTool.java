package dev.kairos.server.memory;

import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.server.memory.MemoryArchive.Format;
import dev.kairos.server.memory.MemoryArchive.Report;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * {@code memory_import}: an archive given inline (what {@code kairos memory export} writes, or server-memory's
 * file) is read and checked whole first — every line, and every group it writes to against the caller's — so bad
 * input imports nothing; then it is stored batch by batch with a progress report per batch. What is already there
 * is skipped, so running the same import again (a resumed task) stores only what the first run did not.
 */
final class ArchiveImportTool {
    /** The largest archive one call takes, in characters; bigger files go through {@code kairos memory import}. */
    static final int MAX_CHARS = 4 * 1024 * 1024;

    private final MemoryGraph graph;
    private final MemoryIngest ingest;

    /** The result: where it went and what was stored; {@code skipped} counts records already there. */
    record Imported(String format, List<String> groups, long lines, long episodes, long entities, long facts,
                    long skipped) {
    }

    ArchiveImportTool(MemoryGraph graph, MemoryIngest ingest) {
        this.graph = graph;
        this.ingest = ingest;
    }

    ToolOutput run(Call c) {
        Args a = c.args();
        String archive = a.text("archive");
        if (archive.length() > MAX_CHARS) {
            throw new MemoryInputException("archive", "is " + archive.length() + " characters, the most one call takes is "
                    + MAX_CHARS + "; import a larger file with `kairos memory import FILE`");
        }
        String requested = a.optText("group_id");
        String group = requested == null ? null : c.tenancy().group("group_id", requested);
        String fallback = c.caller().defaultGroup();

        ArchiveImport check = new ArchiveImport(graph, group, fallback, MemoryArchive.Progress.NONE, true);
        try {
            read(check, archive);
        } catch (IllegalArgumentException e) {
            throw new MemoryInputException("archive", e.getMessage() + "; nothing was imported");
        }
        if (check.format() == null) {
            throw new MemoryInputException("archive", "has no records (only blank lines)");
        }
        for (Map.Entry<String, Long> g : check.groups().entrySet()) {
            try {
                c.tenancy().group("archive line " + g.getValue() + " group_id", g.getKey());
            } catch (RefusedException e) {
                throw new RefusedException(e.getMessage() + "; nothing was imported");
            }
        }

        double total = check.lines();
        ArchiveImport importer = new ArchiveImport(graph, group, fallback, new MemoryArchive.Progress() {
            @Override
            public void linesRead(long lines) {
                if (Thread.currentThread().isInterrupted()) { // tasks/cancel, or the call was cancelled
                    throw new CancellationException("cancelled at line " + lines);
                }
            }

            private long sent = -1;

            @Override
            public void batchStored(long lines, Report soFar) {
                // the line that made the batch go out is not done yet; progress must grow, so batches stored at
                // the same line report once, and the end (all lines) always comes after
                long done = lines - 1;
                if (done > sent) {
                    sent = done;
                    c.progress().report(done, total, "read " + lines + " of " + check.lines() + " lines: " + counts(soFar));
                }
            }
        }, false);
        Report report;
        try {
            report = read(importer, archive);
        } catch (IllegalArgumentException | CancellationException e) {
            // a batch the store refused, or a cancel: what earlier batches stored stays, and the error says so
            throw new MemoryInputException("archive", e.getMessage() + "; stored before that: " + counts(importer.report())
                    + " (importing the same archive again skips what is there)");
        }
        ingest.wake(); // imported episodes not yet extracted
        c.progress().report(total, total, "done: " + counts(report));
        return ToolOutput.of(new Imported(check.format() == Format.KAIROS ? "kairos" : "server-memory",
                new ArrayList<>(check.groups().keySet()), check.lines(),
                report.episodes(), report.entities(), report.facts(), report.skipped()));
    }

    private static Report read(ArchiveImport importer, String archive) {
        try {
            return importer.readAll(new BufferedReader(new StringReader(archive)));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringReader does not fail
        }
    }

    private static String counts(Report r) {
        return r.episodes() + " episodes, " + r.entities() + " entities, " + r.facts() + " facts stored, "
                + r.skipped() + " skipped";
    }
}
