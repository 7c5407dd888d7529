package dev.kairos.bench.recall;

import dev.kairos.bench.recall.Conversations.Conversation;
import dev.kairos.bench.recall.Conversations.Question;
import dev.kairos.bench.recall.Conversations.Turn;
import dev.kairos.bench.recall.Conversations.Type;
import dev.kairos.memory.Episode;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemorySettings;
import dev.kairos.memory.NewEpisode;
import dev.kairos.memory.SearchQuery;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Episode recall on long multi-session conversations: stores every turn as an episode (one group per conversation,
 * valid at its session's time) in embedded Neo4j and asks the questions through each retrieval method.
 *
 * <p>Arguments ({@code key=value}): seed (42), conversations (12), sessions (12), turns (30 per session),
 * dataDir (default a temporary directory; a data dir that already holds the conversations is searched as it is, so
 * fusion settings can be compared without embedding again), embedder (the {@code memory.embedder} name), setups
 * (comma-separated setup names), cost (comma-separated embedder names: only load time, memory and throughput).
 */
public final class RecallBench {

    /** A retrieval setup under test: a name and how it changes the query. */
    public record Setup(String name, UnaryOperator<SearchQuery> query) {}

    /**
     * The plain single methods first (the baselines), then each with time expressions understood, entity expansion
     * alone, hybrid without entity expansion, and hybrid with every method.
     */
    public static final List<Setup> SETUPS = List.of(
            new Setup("BM25 only", q -> q.using(SearchQuery.Method.FULLTEXT)),
            new Setup("vector only", q -> q.using(SearchQuery.Method.VECTOR)),
            new Setup("BM25 + time", q -> q.using(SearchQuery.Method.FULLTEXT, SearchQuery.Method.TIME)),
            new Setup("vector + time", q -> q.using(SearchQuery.Method.VECTOR, SearchQuery.Method.TIME)),
            new Setup("entities only", q -> q.using(SearchQuery.Method.ENTITIES)),
            new Setup("hybrid without entities", q -> q.using(SearchQuery.Method.FULLTEXT, SearchQuery.Method.VECTOR,
                    SearchQuery.Method.BFS, SearchQuery.Method.TIME)),
            new Setup("hybrid", q -> q));

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String s : args) {
            int i = s.indexOf('=');
            if (i < 1) throw new IllegalArgumentException("arguments are key=value, got '" + s + "'");
            a.put(s.substring(0, i), s.substring(i + 1));
        }
        long seed = Long.parseLong(a.getOrDefault("seed", "42"));
        int count = Integer.parseInt(a.getOrDefault("conversations", "12"));
        int sessions = Integer.parseInt(a.getOrDefault("sessions", "12"));
        int turns = Integer.parseInt(a.getOrDefault("turns", "30"));
        Path dir = a.containsKey("dataDir") ? Files.createDirectories(Path.of(a.get("dataDir"))) : Files.createTempDirectory("kairos-recall");

        List<Conversation> data = Conversations.generate(seed, count, sessions, turns);
        int nTurns = data.stream().mapToInt(c -> c.turns().size()).sum();
        int nQuestions = data.stream().mapToInt(c -> c.questions().size()).sum();
        System.out.printf("# recall bench: seed %d, %d conversations, %d turns, %d questions, load average %.2f%n",
                seed, count, nTurns, nQuestions, java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        if (a.containsKey("cost")) { // only what each named embedder costs, one after the other in this JVM
            for (String name : a.get("cost").split(",")) embedderCost(name.trim(), dir, data);
            return;
        }
        MemorySettings settings = MemorySettings.defaults().withDataDir(dir).withReadyTimeout(Duration.ofMinutes(5));
        if (a.containsKey("embedder")) settings = settings.withEmbedder(a.get("embedder"));
        List<Setup> setups = !a.containsKey("setups") ? SETUPS
                : SETUPS.stream().filter(s -> List.of(a.get("setups").split(",")).contains(s.name())).toList();
        if (setups.isEmpty()) throw new IllegalArgumentException("setups: none of " + a.get("setups") + " is one of "
                + SETUPS.stream().map(Setup::name).toList());
        if (a.containsKey("embedder")) embedderCost(settings.embedder(), dir, data);
        try (MemoryGraph graph = MemoryGraph.open(settings)) {
            if (!graph.awaitReady(Duration.ofMinutes(5)).isReady()) throw new IllegalStateException(graph.status().describe());
            if (graph.episodes(List.of(data.getFirst().id()), 1).isEmpty()) {
                long t0 = System.nanoTime();
                store(graph, data);
                System.out.printf("# stored and embedded %d turns in %.1f s (%s)%n", nTurns, (System.nanoTime() - t0) / 1e9, graph.embedder().name());
            } else {
                System.out.printf("# searching the turns already stored in %s (%s)%n", dir, graph.embedder().name());
            }
            long t0 = System.nanoTime();
            int mentions = mention(graph, data);
            System.out.printf("# %d MENTIONS edges from the generator's planted names (ideal extraction) in %.1f s%n",
                    mentions, (System.nanoTime() - t0) / 1e9);
            Map<String, RecallScore> scores = run(graph, data, setups);
            System.out.print(table(scores));
        }
    }

    /**
     * What an embedder costs: load time, resident memory it adds (the ONNX model lives outside the Java heap) and
     * embedding throughput over the first 1,000 turns, one batch call, on a fresh instance.
     */
    static void embedderCost(String name, Path dir, List<Conversation> data) {
        long rss0 = rssKiB();
        long t0 = System.nanoTime();
        try (dev.kairos.memory.Embedder e = dev.kairos.memory.Embedder.local(name, dir.resolve("djl"))) {
            long t1 = System.nanoTime();
            List<String> texts = data.stream().flatMap(c -> c.turns().stream()).limit(1000).map(Turn::content).toList();
            e.embedAll(texts.subList(0, 50)); // warm-up
            long t2 = System.nanoTime();
            e.embedAll(texts);
            long t3 = System.nanoTime();
            System.out.printf("# embedder %s: load %.1f s, +%d MiB resident, %.0f texts/s (1,000 turns)%n", name,
                    (t1 - t0) / 1e9, (rssKiB() - rss0) / 1024, texts.size() / ((t3 - t2) / 1e9));
        }
    }

    private static long rssKiB() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status")))
                if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    /** Stores each conversation's turns as episodes of the group named after it; the episode uuid is the turn id. */
    public static void store(MemoryGraph graph, List<Conversation> data) {
        for (Conversation c : data) {
            List<NewEpisode> eps = new ArrayList<>();
            for (Turn t : c.turns())
                eps.add(new NewEpisode(c.id(), t.id(), t.content(), Episode.Source.MESSAGE, "chat", t.at(), t.id()));
            graph.addEpisodes(eps);
        }
    }

    /**
     * Gives the episodes MENTIONS edges to the entities the generator planted in them (its ground truth: what an ideal
     * extraction would find; the bench runs no extraction model). Idempotent. Returns the number of edges.
     */
    public static int mention(MemoryGraph graph, List<Conversation> data) {
        int edges = 0;
        for (Conversation c : data) {
            Map<Conversations.Planted, List<String>> episodes = new LinkedHashMap<>();
            for (Turn t : c.turns())
                for (Conversations.Planted p : c.mentionedIn(t)) episodes.computeIfAbsent(p, k -> new ArrayList<>()).add(t.id());
            List<dev.kairos.memory.NewEntity> entities = new ArrayList<>();
            for (var e : episodes.entrySet()) {
                entities.add(dev.kairos.memory.NewEntity.named(c.id(), e.getKey().name(), e.getKey().label()).mentionedIn(e.getValue()));
                edges += e.getValue().size();
            }
            graph.upsertEntities(entities);
        }
        return edges;
    }

    /** The ranked turn ids a setup returns for a question (top 10 episodes of the question's conversation). */
    public static List<String> ask(MemoryGraph graph, Conversation c, Question q, Setup setup) {
        SearchQuery base = SearchQuery.of(q.text()).inGroups(List.of(c.id())).only(SearchQuery.Scope.EPISODES).limit(10).at(q.askedAt());
        return graph.search(setup.query().apply(base)).episodeList().stream().map(Episode::uuid).toList();
    }

    public static Map<String, RecallScore> run(MemoryGraph graph, List<Conversation> data, List<Setup> setups) {
        Map<String, RecallScore> out = new LinkedHashMap<>();
        for (Setup s : setups) {
            RecallScore score = new RecallScore(5, 10);
            List<Long> nanos = new ArrayList<>();
            for (Conversation c : data)
                for (Question q : c.questions()) {
                    long t0 = System.nanoTime();
                    List<String> ranked = ask(graph, c, q, s);
                    nanos.add(System.nanoTime() - t0);
                    score.add(q, ranked);
                }
            out.put(s.name(), score);
            latencies.put(s.name(), nanos);
        }
        return out;
    }

    /** Search latency of each setup's last run (one question at a time, embedding the query included). */
    static final Map<String, List<Long>> latencies = new java.util.concurrent.ConcurrentHashMap<>();

    /** p50 / p95 in milliseconds of a setup's searches. */
    static String latency(String setup) {
        List<Long> l = latencies.getOrDefault(setup, List.of()).stream().sorted().toList();
        if (l.isEmpty()) return "-";
        return String.format("%.1f / %.1f", l.get(l.size() / 2) / 1e6, l.get(Math.min(l.size() - 1, (int) Math.ceil(l.size() * 0.95) - 1)) / 1e6);
    }

    /** A Markdown table: recall@5 / recall@10 per type and overall, one row per setup. */
    public static String table(Map<String, RecallScore> scores) {
        StringBuilder b = new StringBuilder();
        RecallScore any = scores.values().iterator().next();
        b.append("| method |");
        for (Type t : Type.values()) b.append(' ').append(t.name().toLowerCase().replace('_', '-')).append(" (").append(any.count(t)).append(") |");
        b.append(" overall (").append(any.count()).append(") |\n|---|");
        for (int i = 0; i <= Type.values().length; i++) b.append("---|");
        b.append('\n');
        for (var e : scores.entrySet()) {
            b.append("| ").append(e.getKey()).append(" |");
            for (Type t : Type.values()) b.append(String.format(" %.1f / %.1f |", e.getValue().percent(t, 0), e.getValue().percent(t, 1)));
            b.append(String.format(" %.1f / %.1f |%n", e.getValue().percent(0), e.getValue().percent(1)));
        }
        b.append("(recall@5 / recall@10 of evidence turns, percent)\n");
        for (String name : scores.keySet()) b.append("# search latency p50 / p95, ms: ").append(name).append(": ").append(latency(name)).append('\n');
        return b.toString();
    }
}
