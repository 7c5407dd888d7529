package dev.kairos.bench.memory;

import dev.kairos.memory.Embedder;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemorySettings;
import dev.kairos.memory.NewEpisode;
import dev.kairos.memory.NewFact;
import dev.kairos.memory.SearchQuery;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Memory graph benchmark: batched fact inserts, hybrid search latency at two sizes, add_memory episodes/s, and
 * {@code @modelcontextprotocol/server-memory} doing the same writes over MCP stdio in the same run.
 *
 * <p>Arguments ({@code key=value}): facts (100000), checkpoint (10000), batch (1000), queries (300),
 * warmup (300 search pairs before each timed round), writers (1 concurrent batch writer), episodes (1000), node (node), serverMemory (path to server-memory's dist/index.js, or "skip"), smQueries (50),
 * smSingle (200), dataDir (keep the graph there; default a temporary directory).
 */
public final class MemoryBench {
    private static final String G = "bench";

    public static void main(String[] args) throws Exception {
        Map<String, String> a = args(args);
        int total = Integer.parseInt(a.getOrDefault("facts", "100000"));
        int checkpoint = Integer.parseInt(a.getOrDefault("checkpoint", "10000"));
        int batch = Integer.parseInt(a.getOrDefault("batch", "1000"));
        int queries = Integer.parseInt(a.getOrDefault("queries", "300"));
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "300"));
        int writers = Integer.parseInt(a.getOrDefault("writers", "1"));
        int episodes = Integer.parseInt(a.getOrDefault("episodes", "1000"));
        String node = a.getOrDefault("node", "node");
        String sm = a.getOrDefault("serverMemory", "interop/node_modules/@modelcontextprotocol/server-memory/dist/index.js");
        int smQueries = Integer.parseInt(a.getOrDefault("smQueries", "50"));
        int smSingle = Integer.parseInt(a.getOrDefault("smSingle", "200"));
        int population = Math.max(1000, total / 10);

        out("# memory bench: %d facts (checkpoint %d), batch %d, %d cores, load average %s",
                total, checkpoint, batch, Runtime.getRuntime().availableProcessors(), loadAverage());
        List<SyntheticFacts.Row> rows = SyntheticFacts.generate(total, population, 42);
        List<String> qs = SyntheticFacts.queries(queries + 30, population, 7);
        // dataDir= keeps the graph for later search experiments (an empty or new directory).
        Path dir = a.containsKey("dataDir") ? Files.createDirectories(Path.of(a.get("dataDir"))) : Files.createTempDirectory("kairos-memory-bench");

        try (MemoryGraph graph = MemoryGraph.open(MemorySettings.defaults().withDataDir(dir).withReadyTimeout(Duration.ofMinutes(5)))) {
            long t0 = System.nanoTime();
            if (!graph.awaitReady(Duration.ofMinutes(5)).isReady()) throw new IllegalStateException(graph.status().describe());
            out("kairos: ready in %.1f s (%s)", secs(t0), graph.status().describe());
            Embedder embedder = graph.embedder();

            long te = System.nanoTime();
            List<float[]> vectors = embedder.embedAll(rows.stream().map(SyntheticFacts.Row::sentence).toList());
            double embedSecs = secs(te);
            out("kairos: embedded %d fact sentences in %.1f s = %.0f/s (%s)", total, embedSecs, total / embedSecs, embedder.name());

            // Entities first (people and objects), as a client with known entities would; then facts by name.
            long tw = System.nanoTime();
            double storeSecs = insert(graph, rows, vectors, 0, Math.min(checkpoint, total), batch, writers);
            out("kairos: stored %d facts in %.1f s = %.0f facts/s", Math.min(checkpoint, total), storeSecs, Math.min(checkpoint, total) / storeSecs);
            searchBench(graph, qs, queries, warmup, "kairos @" + Math.min(checkpoint, total));
            if (total > checkpoint) {
                double more = insert(graph, rows, vectors, checkpoint, total, batch, writers);
                out("kairos: stored %d more facts in %.1f s = %.0f facts/s", total - checkpoint, more, (total - checkpoint) / more);
                storeSecs += more;
                searchBench(graph, qs, queries, warmup, "kairos @" + total);
                out("kairos: the process went idle (index merges done) %.0f s after that search round", settle());
                searchBench(graph, qs, queries, warmup, "kairos @" + total + " once idle");
            }
            out("RESULT kairos insert: %d facts, store %.1f s = %.0f facts/s; with embedding %.0f facts/s",
                    total, storeSecs, total / storeSecs, total / (storeSecs + embedSecs));
            out("kairos: total wall for inserts incl. search rounds %.1f s", secs(tw));
            out("kairos: Lucene segments per vector index before the restart: %s", segments(dir));
            long tc = System.nanoTime();
            graph.close();
            out("kairos: close took %.2f s", secs(tc));
        }

        // A restart: search again on a freshly opened store.
        try (MemoryGraph graph = MemoryGraph.open(MemorySettings.defaults().withDataDir(dir).withReadyTimeout(Duration.ofMinutes(5)))) {
            long t0 = System.nanoTime();
            if (!graph.awaitReady(Duration.ofMinutes(5)).isReady()) throw new IllegalStateException(graph.status().describe());
            out("kairos: reopened in %.1f s; Lucene segments per vector index: %s", secs(t0), segments(dir));
            searchBench(graph, qs, queries, warmup, "kairos @" + total + " after a restart");

            long tp = System.nanoTime();
            for (int i = 0; i < episodes; i++) {
                SyntheticFacts.Row r = rows.get(i);
                graph.addEpisode(NewEpisode.text(G, "message " + i, "User: by the way, " + r.sentence()
                        + ". Assistant: noted, I will remember that " + r.subject() + " " + r.relation().toLowerCase().replace('_', ' ')
                        + " " + r.object() + "."));
            }
            double epSecs = secs(tp);
            out("RESULT kairos add_memory, one caller: %d episodes (durable, embedded) in %.1f s = %.0f episodes/s", episodes, epSecs, episodes / epSecs);
            // Several MCP clients write at once: they embed in parallel and share group commits.
            for (int callers : new int[] {4, 16}) {
                long tq = System.nanoTime();
                try (var pool = java.util.concurrent.Executors.newFixedThreadPool(callers)) {
                    List<java.util.concurrent.Future<?>> done = new ArrayList<>();
                    for (int i = 0; i < episodes; i++) {
                        SyntheticFacts.Row r = rows.get((callers * episodes + i) % rows.size());
                        int n = i;
                        done.add(pool.submit(() -> graph.addEpisode(NewEpisode.text(G, callers + " callers, message " + n,
                                "User: also, " + r.sentence() + ". Assistant: got it."))));
                    }
                    for (var f : done) f.get(10, java.util.concurrent.TimeUnit.MINUTES);
                }
                double parSecs = secs(tq);
                out("RESULT kairos add_memory, %d concurrent callers: %d episodes in %.1f s = %.0f episodes/s", callers, episodes, parSecs, episodes / parSecs);
            }
            long tc = System.nanoTime();
            graph.close();
            out("kairos: close took %.2f s", secs(tc));
        }

        if (!sm.equals("skip")) serverMemory(node, Path.of(sm), rows, qs, total, checkpoint, batch, smQueries, smSingle, dir);
    }

    /** Segment count of each vector index directory (Lucene writes one .si file per segment). */
    private static String segments(Path dir) throws java.io.IOException {
        Path vectors = dir.resolve("neo4j/data/databases/neo4j/schema/index/vector-2.0");
        if (!Files.isDirectory(vectors)) return "n/a";
        List<String> out = new ArrayList<>();
        try (var ids = Files.list(vectors)) {
            for (Path id : ids.sorted().toList()) {
                try (var files = Files.walk(id)) {
                    out.add(id.getFileName() + ":" + files.filter(f -> f.toString().endsWith(".si")).count());
                }
            }
        }
        return String.join(" ", out);
    }

    /** Waits (at most 5 minutes) until this process is nearly idle: an insert leaves index merges running in the background. */
    private static double settle() throws InterruptedException {
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long t0 = System.nanoTime();
        while (secs(t0) < 300) {
            long cpu = os.getProcessCpuTime();
            long wall = System.nanoTime();
            Thread.sleep(2000);
            if ((os.getProcessCpuTime() - cpu) / (double) (System.nanoTime() - wall) < 0.05) break;
        }
        return secs(t0);
    }

    private static double insert(MemoryGraph graph, List<SyntheticFacts.Row> rows, List<float[]> vectors, int from, int to,
                                 int batch, int writers) throws Exception {
        long t = System.nanoTime();
        // Batches go to `writers` concurrent callers, as a bulk import with that many workers would send them.
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(writers)) {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int i = from; i < to; i += batch) {
                List<NewFact> facts = new ArrayList<>(batch);
                for (int k = i; k < Math.min(to, i + batch); k++) {
                    SyntheticFacts.Row r = rows.get(k);
                    facts.add(NewFact.triplet(G, r.subject(), r.relation(), r.sentence(), r.object()).withEmbedding(vectors.get(k)));
                }
                done.add(pool.submit(() -> graph.addFacts(facts)));
            }
            for (var f : done) f.get(30, java.util.concurrent.TimeUnit.MINUTES);
        }
        return secs(t);
    }

    private static void searchBench(MemoryGraph graph, List<String> qs, int n, int warmup, String label) {
        // Warm-up on 30 other queries: JIT, page cache, and the index merges left by the inserts settle first.
        for (int i = 0; i < warmup; i++) {
            graph.search(SearchQuery.of(qs.get(i % 30)).inGroups(List.of(G)).only(SearchQuery.Scope.FACTS));
            graph.search(SearchQuery.of(qs.get(i % 30)).inGroups(List.of(G)));
        }
        long[] facts = new long[n];
        long[] all = new long[n];
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            graph.search(SearchQuery.of(qs.get(30 + i)).inGroups(List.of(G)).only(SearchQuery.Scope.FACTS));
            facts[i] = System.nanoTime() - t;
        }
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            graph.search(SearchQuery.of(qs.get(30 + i)).inGroups(List.of(G)));
            all[i] = System.nanoTime() - t;
        }
        out("RESULT %s hybrid fact search (fulltext+vector+BFS, RRF, incl. query embedding): p50 %.1f ms, p95 %.1f ms, p99 %.1f ms",
                label, pct(facts, 50), pct(facts, 95), pct(facts, 99));
        out("RESULT %s hybrid search of facts+entities+episodes: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms",
                label, pct(all, 50), pct(all, 95), pct(all, 99));
    }

    private static void serverMemory(String node, Path script, List<SyntheticFacts.Row> rows, List<String> qs, int total,
                                     int checkpoint, int batch, int smQueries, int smSingle, Path dir) throws Exception {
        Path file = dir.resolve("server-memory.jsonl");
        try (ServerMemoryProcess sm = new ServerMemoryProcess(node, script, file)) {
            Set<String> known = new LinkedHashSet<>();
            long t = System.nanoTime();
            double part = smInsert(sm, rows, known, 0, Math.min(checkpoint, total), batch);
            out("server-memory: stored %d relations in %.1f s = %.0f/s (file %d KB)", Math.min(checkpoint, total), part,
                    Math.min(checkpoint, total) / part, Files.size(file) / 1024);
            smSearch(sm, qs, smQueries, "server-memory @" + Math.min(checkpoint, total));
            double all = part;
            if (total > checkpoint) {
                double more = smInsert(sm, rows, known, checkpoint, total, batch);
                all += more;
                out("server-memory: stored %d more relations in %.1f s = %.0f/s (file %d KB)", total - checkpoint, more,
                        (total - checkpoint) / more, Files.size(file) / 1024);
                smSearch(sm, qs, smQueries, "server-memory @" + total);
            }
            out("RESULT server-memory insert: %d relations (+%d entities) in %.1f s = %.0f relations/s", total, known.size(), all, total / all);
            long ts = System.nanoTime();
            List<String> people = new ArrayList<>(known);
            for (int i = 0; i < smSingle; i++)
                sm.tool("add_observations", Map.of("observations", List.of(Map.of("entityName", people.get(i % people.size()),
                        "contents", List.of("note " + i + ": " + rows.get(i).sentence())))));
            double single = secs(ts);
            out("RESULT server-memory single writes (add_observations, one per call, at %d relations): %d in %.1f s = %.1f writes/s",
                    total, smSingle, single, smSingle / single);
            out("server-memory: total %.1f s", secs(t));
        }
    }

    private static double smInsert(ServerMemoryProcess sm, List<SyntheticFacts.Row> rows, Set<String> known,
                                   int from, int to, int batch) throws Exception {
        long t = System.nanoTime();
        for (int i = from; i < to; i += batch) {
            List<Object> entities = new ArrayList<>();
            List<Object> relations = new ArrayList<>();
            for (int k = i; k < Math.min(to, i + batch); k++) {
                SyntheticFacts.Row r = rows.get(k);
                if (known.add(r.subject())) entities.add(ServerMemoryProcess.entity(r.subject(), "person"));
                if (known.add(r.object())) entities.add(ServerMemoryProcess.entity(r.object(), "thing"));
                relations.add(ServerMemoryProcess.relation(r.subject(), r.object(), r.relation().toLowerCase()));
            }
            if (!entities.isEmpty()) sm.tool("create_entities", Map.of("entities", entities));
            sm.tool("create_relations", Map.of("relations", relations));
        }
        return secs(t);
    }

    private static void smSearch(ServerMemoryProcess sm, List<String> qs, int n, String label) throws Exception {
        long[] lat = new long[n];
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            // server-memory matches a substring; give it the name part, which is what it can find.
            String q = qs.get(30 + i);
            sm.tool("search_nodes", Map.of("query", q.startsWith("Where does ") ? q.substring(11, q.length() - 6) : q));
            lat[i] = System.nanoTime() - t;
        }
        out("RESULT %s search_nodes (substring): p50 %.1f ms, p95 %.1f ms", label, pct(lat, 50), pct(lat, 95));
    }

    private static double pct(long[] nanos, int p) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        int idx = (int) Math.ceil(p / 100.0 * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, idx))] / 1e6;
    }

    private static double secs(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** {@code key=value} arguments. */
    static Map<String, String> args(String[] args) {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("argument '" + arg + "' is not key=value");
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        return a;
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "?";
        }
    }

    static void out(String fmt, Object... args) {
        System.out.println(String.format(fmt, args));
        System.out.flush();
    }
}
