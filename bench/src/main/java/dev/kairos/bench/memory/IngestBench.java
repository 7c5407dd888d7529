package dev.kairos.bench.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.kairos.inference.Engines;
import dev.kairos.inference.InferenceSettings;
import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemorySettings;
import dev.kairos.memory.NewEpisode;
import dev.kairos.memory.ingest.IngestQueue;
import dev.kairos.memory.ingest.Ingestion;
import dev.kairos.memory.ingest.ModelForExtraction;
import dev.kairos.memory.ingest.ModelSource;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Extraction cost and throughput: a scripted set of episodes (people whose jobs, homes and teams change over time)
 * extracted through the engine simulator, which answers at once from a transcript keyed by content (extraction by
 * episode text, contradiction check by the new fact), so the figures are Kairos's own, not a model's.
 *
 * <p>Reports model calls per episode (extraction, contradiction checks), prompt and answer tokens per episode
 * (counted with the cl100k_base tokenizer over the messages sent and the answers received) and episodes/s.
 * Arguments ({@code key=value}): people (5: one group each), perPerson (10 episodes), parallel (groups extracted at
 * once, default as many as people), rounds (1: each round a fresh group set in the same graph).
 */
public final class IngestBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] NAMES = {"Ana Lind", "Bruno Costa", "Chen Wei", "Dara Okoye", "Emil Berg", "Farah Haddad",
            "Goran Petrov", "Hana Sato", "Ines Duarte", "Jonas Meyer"};

    /** One scripted episode: its text and the single fact it states (and which current fact, if any, it ends). */
    record Scripted(String group, String text, Instant at, String person, String relation, String target, String fact,
                    String ends) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = MemoryBench.args(args);
        int people = Integer.parseInt(a.getOrDefault("people", "5"));
        int perPerson = Integer.parseInt(a.getOrDefault("perPerson", "10"));
        int parallel = Integer.parseInt(a.getOrDefault("parallel", Integer.toString(people)));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "1"));
        MemoryBench.out("# ingest bench: %d people x %d episodes, %d group(s) at once, %d round(s), %d cores, load average %s",
                people, perPerson, parallel, rounds, Runtime.getRuntime().availableProcessors(), MemoryBench.loadAverage());

        Path dir = Files.createTempDirectory("kairos-ingest-bench");
        Encoding tokens = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
        try (MemoryGraph graph = MemoryGraph.open(MemorySettings.defaults().withDataDir(dir).withReadyTimeout(Duration.ofMinutes(5)));
             Engines engines = new Engines()) {
            if (!graph.awaitReady(Duration.ofMinutes(5)).isReady()) throw new IllegalStateException(graph.status().describe());
            for (int round = 1; round <= rounds; round++) {
                List<Scripted> episodes = script(people, perPerson, "r" + round + "-");
                try (EngineSimulator sim = EngineSimulator.start(transcript(episodes), 0)) {
                    run(graph, engines, sim, episodes, parallel, tokens, round);
                }
            }
        }
    }

    private static void run(MemoryGraph graph, Engines engines, EngineSimulator sim, List<Scripted> episodes, int parallel,
                            Encoding tokens, int round) throws InterruptedException {
        List<String> groups = episodes.stream().map(Scripted::group).distinct().toList();
        for (Scripted s : episodes) {
            graph.addEpisode(NewEpisode.text(s.group(), s.person(), s.text()).withValidAt(s.at()));
        }
        var endpoint = InferenceSettings.Endpoint.of(URI.create(sim.url().toString()), "extractor")
                .withEngine(InferenceSettings.Engine.VLLM).withParallelSlots(Math.max(1, parallel));
        ModelForExtraction model = ModelForExtraction.engine(engines.endpoint(endpoint), "the engine simulator");
        long t0 = System.nanoTime();
        try (Ingestion ingestion = Ingestion.start(graph, ModelSource.of(model),
                new Ingestion.Settings(parallel, 3, Duration.ofMillis(50), Duration.ofMillis(200), groups))) {
            ingestion.wake();
            IngestQueue.Counts c;
            long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
            do {
                Thread.sleep(20);
                c = graph.ingestQueue().counts(groups);
                if (System.nanoTime() > deadline) throw new IllegalStateException("ingestion did not finish: " + c);
            } while (c.done() + c.failed() < episodes.size());
            double secs = (System.nanoTime() - t0) / 1e9;
            if (c.failed() > 0) throw new IllegalStateException(c.failed() + " episode(s) failed: " + graph.ingestQueue().failed(groups, 3));

            List<EngineSimulator.Received> calls = sim.received("/v1/chat/completions");
            long extract = 0, contradict = 0, promptTokens = 0, answerTokens = 0;
            for (EngineSimulator.Received r : calls) {
                JsonNode body = r.json();
                StringBuilder prompt = new StringBuilder();
                for (JsonNode m : body.path("messages")) prompt.append(m.path("content").asText()).append('\n');
                promptTokens += tokens.countTokens(prompt.toString()) + tokens.countTokens(body.path("response_format").toString());
                String p = prompt.toString();
                if (p.contains("(prompt extract,")) extract++;
                if (p.contains("(prompt contradict,")) contradict++;
                answerTokens += tokens.countTokens(answerFor(episodes, p));
            }
            int n = episodes.size();
            long invalidated = groups.stream().mapToLong(g -> graph.snapshot(List.of(g), 10_000).facts().stream()
                    .filter(f -> f.invalidAt() != null).count()).sum();
            MemoryBench.out("RESULT round %d: %d episodes in %.2f s = %.1f episodes/s with %d group(s) at once", round, n, secs, n / secs, parallel);
            MemoryBench.out("RESULT round %d: model calls %d = %.2f per episode (extraction %d, contradiction checks %d, repair turns %d)",
                    round, calls.size(), (double) calls.size() / n, extract, contradict, calls.size() - extract - contradict);
            MemoryBench.out("RESULT round %d: tokens (cl100k_base) prompt %.0f + answer %.0f = %.0f per episode; %d facts invalidated",
                    round, (double) promptTokens / n, (double) answerTokens / n, (double) (promptTokens + answerTokens) / n, invalidated);
        }
    }

    /** Each person's life in {@code perPerson} steps; every step states one fact, and some end an earlier one. */
    static List<Scripted> script(int people, int perPerson, String prefix) {
        List<Scripted> out = new ArrayList<>();
        String[][] steps = {
                {"%s joined %s as an engineer.", "WORKS_AT", "Northwind Labs", null},
                {"%s lives in %s.", "LIVES_IN", "Lisbon", null},
                {"%s enjoys %s on weekends.", "ENJOYS", "bouldering", null},
                {"%s became friends with %s from work.", "FRIEND_OF", "Olga Ivanova", null},
                {"%s moved to %s last month.", "LIVES_IN", "Porto", "LIVES_IN Lisbon"},
                {"%s now leads %s.", "LEADS", "Project Falcon", null},
                {"%s left Northwind Labs and joined %s.", "WORKS_AT", "Kestrel Systems", "WORKS_AT Northwind Labs"},
                {"%s mentors %s.", "MENTORS", "Olga Ivanova", null},
                {"%s adopted a dog called %s.", "OWNS", "Biscuit", null},
                {"%s moved from Porto to %s.", "LIVES_IN", "Madrid", "LIVES_IN Porto"}};
        for (int p = 0; p < people; p++) {
            String person = NAMES[p % NAMES.length] + (p >= NAMES.length ? " " + (p / NAMES.length + 1) : "");
            String group = prefix + "person-" + (p + 1);
            LocalDate day = LocalDate.of(2023, 1, 1);
            for (int i = 0; i < perPerson; i++) {
                String[] s = steps[i % steps.length];
                String target = s[2] + (i >= steps.length ? " " + (i / steps.length + 1) : "");
                String text = String.format(s[0], person, target);
                out.add(new Scripted(group, text, day.plusMonths(i).atStartOfDay().toInstant(ZoneOffset.UTC), person, s[1], target,
                        person + " " + s[1].toLowerCase().replace('_', ' ') + " " + target, i < steps.length ? s[3] : null));
            }
        }
        return out;
    }

    /** The transcript: each episode's extraction, and the contradiction check of its new fact. */
    static ObjectNode transcript(List<Scripted> episodes) {
        ObjectNode routes = JSON.createObjectNode();
        ArrayNode cases = routes.putArray("POST /v1/chat/completions").addObject().putArray("match");
        for (Scripted s : episodes) {
            // The contradiction request lists the new fact after "New facts:" (the body is JSON, so its newline is "\n").
            ObjectNode c = cases.addObject().put("contains", "New facts:\\n0: " + s.person() + " " + s.relation() + " " + s.target() + " ");
            c.set("then", reply(contradiction(episodes, s)));
        }
        for (Scripted s : episodes) {
            cases.addObject().put("contains", "Episode:\\n" + s.text()).set("then", reply(extraction(s)));
        }
        return routes;
    }

    private static String extraction(Scripted s) {
        try {
            return JSON.writeValueAsString(Map.of(
                    "entities", List.of(Map.of("name", s.person(), "type", "Person"), Map.of("name", s.target(), "type", "Thing")),
                    "facts", List.of(Map.of("source", s.person(), "relation", s.relation(), "target", s.target(), "fact", s.fact(),
                            "valid_at", s.at().toString().substring(0, 10)))));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The contradiction answer: the person's current facts are listed oldest first (one per earlier episode, less the
     * ended ones), so the index of the fact this episode ends is known in advance.
     */
    private static String contradiction(List<Scripted> episodes, Scripted s) {
        List<String> current = new ArrayList<>();
        for (Scripted e : episodes) {
            if (!e.group().equals(s.group())) continue;
            if (e == s) break;
            if (e.ends() != null) current.remove(e.ends());
            current.add(e.relation() + " " + e.target());
        }
        int index = s.ends() == null ? -1 : current.indexOf(s.ends());
        return index < 0 ? "{\"contradictions\": []}" : "{\"contradictions\": [{\"new\": 0, \"existing\": [" + index + "]}]}";
    }

    /** What the transcript answers to a request (for counting answer tokens). */
    private static String answerFor(List<Scripted> episodes, String prompt) {
        for (Scripted s : episodes) {
            if (prompt.contains("New facts:\n0: " + s.person() + " " + s.relation() + " " + s.target() + " ")) return contradiction(episodes, s);
        }
        for (Scripted s : episodes) {
            if (prompt.contains("Episode:\n" + s.text())) return extraction(s);
        }
        return "";
    }

    private static ObjectNode reply(String content) {
        ObjectNode r = JSON.createObjectNode();
        ObjectNode body = r.putObject("json").put("id", "chatcmpl-bench").put("object", "chat.completion").put("model", "extractor");
        ObjectNode choice = body.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop");
        choice.putObject("message").put("role", "assistant").put("content", content);
        body.putObject("usage").put("prompt_tokens", 0).put("completion_tokens", 0).put("total_tokens", 0);
        return r;
    }
}
