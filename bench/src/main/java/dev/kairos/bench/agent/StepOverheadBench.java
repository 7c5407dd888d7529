package dev.kairos.bench.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.OperatingSystemMXBean;
import dev.kairos.agent.Agent;
import dev.kairos.agent.Approver;
import dev.kairos.agent.ExecutorSettings;
import dev.kairos.agent.RunRequest;
import dev.kairos.agent.RunResult;
import dev.kairos.agent.Termination;
import dev.kairos.bench.tools.Timings;
import dev.kairos.inference.ChatClient;
import dev.kairos.inference.Engines;
import dev.kairos.inference.InferenceSettings;
import dev.kairos.inference.sim.SimScript;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.TokenStream;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Orchestration overhead per ReAct step: Kairos's agent ({@link Agent}, ReAct loop, catalogue,
 * parallel executor, no checkpoint store) against LangChain4j {@code AiServices} with a
 * {@code @Tool}, both streaming from the same engine simulator (a separate process, answering at
 * once) and calling a no-op in-process tool, in the same run.
 *
 * <p>A run is S steps: S−1 model turns that each call {@code noop {"i": k}}, then the answer "done".
 * The simulator plays one scripted answer per request in order, so every client does whole runs one
 * after another. Two floors do the same S streamed requests per run against the same simulator with no
 * orchestration at all: floor 1 as blocking exchanges on a virtual thread (the cheapest way found: the
 * engine and loopback HTTP alone), floor 2 with the JDK {@code HttpClient} (LangChain4j's HTTP client).
 * The clients take turns in short blocks of runs; overhead per step = (a client's wall per run in a
 * block − floor 1's in the same turn) / S, reported as the median over the blocks, and the same over
 * floor 2 beside it. Client CPU per step = this process's CPU time over a client's blocks / (runs × S).
 *
 * <p>Options: {@code --steps 5 --blocks 60 --block-runs 10 --warmup-runs 600}.
 */
public final class StepOverheadBench {
    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final String TASK = "Call noop with i = 1, 2, ... until it is enough, then answer done.";

    private StepOverheadBench() {
    }

    /** LangChain4j's AI service: the task in, a token stream out. */
    interface Assistant {
        TokenStream chat(String message);
    }

    /** LangChain4j's no-op tool. */
    public static final class NoopTools {
        @Tool("Benchmark tool noop.")
        public String noop(@P(name = "i", value = "the step number") int i) {
            return "ok " + i;
        }
    }

    /** One way of doing a whole run of S model requests; returns after checking the run's outcome. */
    interface Runner {
        String name();

        void run() throws Exception;
    }

    public static void main(String[] args) {
        int status = 0;
        try {
            run(args);
        } catch (Throwable e) {
            System.err.println("benchmark failed:");
            e.printStackTrace();
            status = 1;
        }
        System.exit(status); // runs or clients left over after a failure must not keep the process alive
    }

    private static void run(String[] args) throws Exception {
        int steps = intArg(args, "--steps", 5);
        int blocks = intArg(args, "--blocks", 60);
        int blockRuns = intArg(args, "--block-runs", 10);
        int warmup = intArg(args, "--warmup-runs", 600);
        if (steps < 2) {
            throw new IllegalArgumentException("--steps: at least 2 (one tool turn and the answer)");
        }
        System.out.printf(Locale.ROOT, "ReAct step overhead: %d steps per run (%d tool turns + answer), %d blocks of %d runs per client,"
                        + " %d warm-up runs each; %s, %d cores, JDK %s%n",
                steps, steps - 1, blocks, blockRuns, warmup, Instant.now(), Runtime.getRuntime().availableProcessors(), Runtime.version());
        int totalRuns = (warmup + blocks * blockRuns) * 5;
        SimScript script = new SimScript();
        for (int r = 0; r < totalRuns; r++) {
            for (int k = 1; k < steps; k++) {
                script.calls("noop", "{\"i\":" + k + "}");
            }
            script.text("done");
        }
        ObjectNode routes = script.routes();
        try (SimProcess sim = SimProcess.start(routes); Engines engines = new Engines()) {
            URI url = sim.url();
            // LangChain4j as it comes, and given a virtual-thread executor for its HTTP client
            Runner floor = blockingFloor(url, steps);
            Runner jdkFloor = jdkFloor(url, steps);
            List<Runner> runners = List.of(kairos(engines, url, steps), lc4j(url, steps, false), lc4j(url, steps, true),
                    floor, jdkFloor);
            // warm-up: the JIT needs a few thousand steps of each client before the figures settle
            for (int i = 0; i < warmup; i++) {
                for (Runner r : runners) {
                    r.run();
                }
            }
            // Short blocks, the clients taking turns (the order rotating), so that drift in the machine's speed
            // over the run (other tenants, the simulator's heap) falls on every client alike; each client's
            // block is compared with the floors' blocks of the same turn.
            Map<Runner, List<Double>> perRun = new LinkedHashMap<>();
            Map<Runner, List<Double>> overhead = new LinkedHashMap<>();
            Map<Runner, List<Double>> overJdk = new LinkedHashMap<>();
            Map<Runner, Long> cpuNanos = new LinkedHashMap<>(); // summed: the process CPU clock ticks too coarsely for one block
            for (int b = 0; b < blocks; b++) {
                Map<Runner, Double> thisTurn = new LinkedHashMap<>();
                for (int k = 0; k < runners.size(); k++) {
                    Runner r = runners.get((b + k) % runners.size());
                    long cpu0 = OS.getProcessCpuTime();
                    long t0 = System.nanoTime();
                    for (int i = 0; i < blockRuns; i++) {
                        r.run();
                    }
                    double millis = (System.nanoTime() - t0) / 1e6 / blockRuns;
                    thisTurn.put(r, millis);
                    perRun.computeIfAbsent(r, x -> new ArrayList<>()).add(millis);
                    cpuNanos.merge(r, OS.getProcessCpuTime() - cpu0, Long::sum);
                }
                for (Runner r : runners) {
                    if (r != floor) {
                        overhead.computeIfAbsent(r, x -> new ArrayList<>())
                                .add(overheadPerStep(thisTurn.get(r), thisTurn.get(floor), steps) * 1000);
                    }
                    if (r != jdkFloor && r != floor) {
                        overJdk.computeIfAbsent(r, x -> new ArrayList<>())
                                .add(overheadPerStep(thisTurn.get(r), thisTurn.get(jdkFloor), steps) * 1000);
                    }
                }
            }
            System.out.println();
            System.out.println("| client | wall ms per run, median (p25–p75) | **overhead µs per step over floor 1**, median (p25–p75)"
                    + " | over floor 2 (JDK HttpClient) | client CPU µs per step |");
            System.out.println("|---|---|---|---|---|");
            for (Runner r : runners) {
                System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", r.name(), spread(perRun.get(r), "%.2f"),
                        r == floor ? String.format(Locale.ROOT, "— (%.0f µs per request)", median(perRun.get(r)) * 1000 / steps)
                                : spread(overhead.get(r), "%.0f"),
                        r == jdkFloor ? String.format(Locale.ROOT, "— (%.0f µs per request)", median(perRun.get(r)) * 1000 / steps)
                                : r == floor ? "—" : spread(overJdk.get(r), "%.0f"),
                        String.format(Locale.ROOT, "%.0f", cpuNanos.get(r) / 1e3 / ((double) blocks * blockRuns * steps)));
            }
        }
    }

    /** "median (p25–p75)" of the values, each in {@code format}. */
    static String spread(List<Double> values, String format) {
        List<Double> sorted = new ArrayList<>(values);
        java.util.Collections.sort(sorted);
        return String.format(Locale.ROOT, format + " (" + format + "–" + format + ")", median(sorted),
                sorted.get(sorted.size() / 4), sorted.get(Math.min(sorted.size() - 1, (3 * sorted.size()) / 4)));
    }

    /** The middle value (overheads may be negative, so not {@link Timings}, which takes durations). */
    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        java.util.Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** (run − floor) / steps: the time per step that is neither the engine nor the HTTP round trip. */
    static double overheadPerStep(double runMillis, double floorMillis, int steps) {
        return (runMillis - floorMillis) / steps;
    }

    private static Runner kairos(Engines engines, URI url, int steps) {
        ChatClient engine = engines.endpoint(InferenceSettings.Endpoint.of(url, "m")
                .withEngine(InferenceSettings.Engine.VLLM)
                .withRetry(new InferenceSettings.Retry(1, Duration.ofMillis(10), Duration.ofMillis(50))));
        InProcessTools tools = new InProcessTools("noop",
                "{\"type\":\"object\",\"properties\":{\"i\":{\"type\":\"integer\"}},\"required\":[\"i\"]}",
                args -> "ok " + args.path("i").asInt(), ExecutorSettings.defaults(), null, Duration.ofSeconds(30));
        Agent agent = new Agent(engine, tools, tools, Approver.REFUSE);
        return new Runner() {
            @Override
            public String name() {
                return "Kairos agent";
            }

            @Override
            public void run() throws Exception {
                RunResult r = agent.run(RunRequest.of(TASK), null);
                if (r.termination() != Termination.ANSWERED || !"done".equals(r.answer()) || r.steps() != steps
                        || r.calls().size() != steps - 1) {
                    throw new IllegalStateException("Kairos run ended unexpectedly: " + r.termination() + " after "
                            + r.steps() + " steps, " + r.calls().size() + " calls: " + r.answer() + " / " + r.detail());
                }
            }
        };
    }

    private static Runner lc4j(URI url, int steps, boolean virtualThreads) {
        HttpClient.Builder http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1);
        if (virtualThreads) {
            http.executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        }
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder().baseUrl(url + "/v1")
                .httpClientBuilder(new dev.langchain4j.http.client.jdk.JdkHttpClientBuilder().httpClientBuilder(http))
                .apiKey("bench").modelName("m").timeout(Duration.ofMinutes(1)).build();
        Assistant assistant = AiServices.builder(Assistant.class).streamingChatModel(model).tools(new NoopTools()).build();
        return new Runner() {
            @Override
            public String name() {
                return "LangChain4j 1.19.0 AiServices" + (virtualThreads ? ", virtual-thread HTTP executor" : "");
            }

            @Override
            public void run() throws Exception {
                CompletableFuture<ChatResponse> done = new CompletableFuture<>();
                AtomicInteger executed = new AtomicInteger();
                assistant.chat(TASK).onPartialResponse(t -> { }).onToolExecuted(e -> executed.incrementAndGet())
                        .onCompleteResponse(done::complete).onError(done::completeExceptionally).start();
                ChatResponse r = done.get(60, TimeUnit.SECONDS);
                if (!"done".equals(r.aiMessage().text()) || executed.get() != steps - 1) {
                    throw new IllegalStateException("LangChain4j run ended unexpectedly: " + executed.get()
                            + " tool calls, answer " + r.aiMessage().text());
                }
            }
        };
    }

    /**
     * S bare streamed requests with the JDK's {@code HttpClient} (what LangChain4j uses), read whole:
     * the engine and loopback HTTP with no orchestration, on that client.
     */
    private static Runner jdkFloor(URI url, int steps) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(FLOOR_BODY)).build();
        return new Runner() {
            @Override
            public String name() {
                return "floor 2: bare JDK HttpClient, same requests";
            }

            @Override
            public void run() throws Exception {
                for (int i = 0; i < steps; i++) {
                    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                    checkFloorAnswer(r.statusCode(), r.body());
                }
            }
        };
    }

    /**
     * S bare streamed requests as blocking exchanges ({@code HttpURLConnection}, kept-alive) on a
     * virtual thread started for the run, read whole: the cheapest way found to the same answers, so the
     * engine and loopback HTTP alone.
     */
    private static Runner blockingFloor(URI url, int steps) throws java.net.MalformedURLException {
        URL endpoint = URI.create(url + "/v1/chat/completions").toURL();
        byte[] body = FLOOR_BODY.getBytes(StandardCharsets.UTF_8);
        return new Runner() {
            @Override
            public String name() {
                return "floor 1: bare blocking HTTP on a virtual thread, same requests";
            }

            @Override
            public void run() throws Exception {
                java.util.concurrent.FutureTask<Void> run = new java.util.concurrent.FutureTask<>(() -> {
                        for (int i = 0; i < steps; i++) {
                        HttpURLConnection c = (HttpURLConnection) endpoint.openConnection(java.net.Proxy.NO_PROXY);
                            c.setRequestMethod("POST");
                            c.setDoOutput(true);
                            c.setRequestProperty("Content-Type", "application/json");
                            try (OutputStream out = c.getOutputStream()) {
                                out.write(body);
                            }
                            int status = c.getResponseCode();
                            try (InputStream in = c.getInputStream()) {
                                checkFloorAnswer(status, new String(in.readAllBytes(), StandardCharsets.UTF_8));
                            }
                        }
                    return null;
                });
                Thread.ofVirtual().start(run);
                run.get(60, TimeUnit.SECONDS);
            }
        };
    }

    private static final String FLOOR_BODY = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\""
            + TASK + "\"}]}";

    private static void checkFloorAnswer(int status, String body) {
        if (status != 200 || !body.contains("[DONE]")) {
            throw new IllegalStateException("simulator answered " + status + ": " + body);
        }
    }

    static int intArg(String[] args, String name, int dflt) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return dflt;
    }
}
