package dev.kairos.bench.inference;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.inference.ChatClient;
import dev.kairos.inference.ChatRequest;
import dev.kairos.inference.ChatResponse;
import dev.kairos.inference.Engines;
import dev.kairos.inference.InferenceSettings;
import dev.kairos.inference.Message;
import dev.kairos.inference.StreamListener;
import dev.kairos.inference.sim.SimulatorCommand;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Client-side cost of streamed chat answers: Kairos' OpenAI-compatible client against LangChain4j's
 * {@code OpenAiStreamingChatModel}, on the same engine-simulator stream (vLLM format: content deltas
 * and two tool calls streamed as argument fragments), in the same run.
 *
 * <p>The simulator runs as a separate process so that this JVM's CPU time and heap are the client's
 * alone: CPU per chunk = process CPU time / chunks received; memory = heap after GC with N streams
 * open at once, minus the heap before.
 */
public final class StreamedChunkBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.concurrent.atomic.AtomicReference<Throwable> FAILURE = new java.util.concurrent.atomic.AtomicReference<>();

    public static void main(String[] args) throws Exception {
        int contentChunks = intArg(args, "--content-chunks", 1000);
        int argChunks = intArg(args, "--argument-chunks", 500);
        int streams = intArg(args, "--streams", 200);
        int concurrent = intArg(args, "--concurrent", 1000);
        Path dir = Files.createTempDirectory("kairos-inference-bench");
        Path fast = dir.resolve("fast.json");
        Path slow = dir.resolve("slow.json");
        int chunks = writeScript(fast, contentChunks, argChunks, 0);
        int slowChunks = writeScript(slow, 6000, 50, 20); // ~2 min per stream: all are open when measured, even for a slow opener
        Process fastSim = simulator(fast);
        Process slowSim = simulator(slow);
        try {
            URI fastUrl = awaitUrl(fastSim);
            URI slowUrl = awaitUrl(slowSim);
            System.out.printf(Locale.ROOT, "stream: %d SSE chunks (%d content, 2 tool calls x %d argument fragments)%n",
                    chunks, contentChunks, argChunks);
            try (Engines engines = new Engines()) {
                ChatClient kairos = engines.provider(InferenceSettings.Endpoint.of(fastUrl, "m")
                        .withEngine(InferenceSettings.Engine.VLLM));
                OpenAiStreamingChatModel lc4j = OpenAiStreamingChatModel.builder().baseUrl(fastUrl + "/v1")
                        .httpClientBuilder(http11()).apiKey("bench").modelName("m").timeout(Duration.ofMinutes(5)).build();
                check(kairos, lc4j);
                // Warm both up, then measure each twice, interleaved.
                runKairos(kairos, streams);
                runLc4j(lc4j, streams);
                List<String> rows = new ArrayList<>();
                for (int round = 1; round <= 2 && streams > 0; round++) {
                    rows.add(row("Kairos", round, chunks, streams, () -> runKairos(kairos, streams)));
                    rows.add(row("LangChain4j 1.19.0", round, chunks, streams, () -> runLc4j(lc4j, streams)));
                }
                System.out.println();
                System.out.println("| client | round | streams | wall ms/stream | client CPU µs/chunk |");
                System.out.println("|---|---|---|---|---|");
                rows.forEach(System.out::println);

                ChatClient kairosSlow = engines.provider(InferenceSettings.Endpoint.of(slowUrl, "m")
                        .withEngine(InferenceSettings.Engine.VLLM).withTimeouts(new InferenceSettings.Timeouts(
                                Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofMinutes(5), Duration.ofSeconds(60))));
                OpenAiStreamingChatModel lc4jSlow = OpenAiStreamingChatModel.builder().baseUrl(slowUrl + "/v1")
                        .httpClientBuilder(http11()).apiKey("bench").modelName("m").timeout(Duration.ofMinutes(5)).build();
                System.out.println();
                System.out.printf(Locale.ROOT, "| client | concurrent streams (%d chunks, 20 ms apart) | all opened after | open when measured | heap MiB before | heap MiB with them open | KiB per open stream |%n", slowChunks);
                System.out.println("|---|---|---|---|---|---|---|");
                System.out.println(memory("Kairos", concurrent, (opened, done) -> {
                    ExecutorService t = Executors.newVirtualThreadPerTaskExecutor();
                    for (int i = 0; i < concurrent; i++) {
                        t.submit(() -> {
                            try {
                                kairosSlow.stream(request(), new OnceListener(opened));
                            } catch (RuntimeException e) {
                                FAILURE.compareAndSet(null, e);
                            } finally {
                                done.countDown();
                            }
                            return null;
                        });
                    }
                }));
                System.out.println(memory("LangChain4j 1.19.0", concurrent, (opened, done) -> {
                    for (int i = 0; i < concurrent; i++) {
                        lc4jSlow.chat(List.of(UserMessage.from("hi")), new LangChainListener(opened, done));
                    }
                }));
            }
        } finally {
            fastSim.destroy();
            slowSim.destroy();
        }
    }

    /**
     * LangChain4j on the same JDK client settings as Kairos (HTTP/1.1, as the engines speak): with its
     * default (HTTP/2, h2c upgrade) the JDK client opened concurrent streams to an HTTP/1.1 server
     * one after another (about 3 per second here), so 1,000 could never be open at once.
     */
    private static dev.langchain4j.http.client.jdk.JdkHttpClientBuilder http11() {
        return new dev.langchain4j.http.client.jdk.JdkHttpClientBuilder()
                .httpClientBuilder(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1));
    }

    private static ChatRequest request() {
        return ChatRequest.of(Message.user("hi"));
    }

    /** Both clients must read the same answer, or the comparison means nothing. */
    private static void check(ChatClient kairos, OpenAiStreamingChatModel lc4j) throws Exception {
        ChatResponse k = kairos.stream(request(), StreamListener.IGNORE);
        CompletableFuture<dev.langchain4j.model.chat.response.ChatResponse> f = new CompletableFuture<>();
        lc4j.chat(List.of(UserMessage.from("hi")), new LangChainListener(f));
        var l = f.get(60, TimeUnit.SECONDS);
        if (k.toolCalls().size() != 2 || l.aiMessage().toolExecutionRequests().size() != 2
                || !k.content().equals(l.aiMessage().text())
                || !JSON.readTree(k.toolCalls().get(1).arguments()).equals(JSON.readTree(l.aiMessage().toolExecutionRequests().get(1).arguments()))) {
            throw new IllegalStateException("the clients read different answers: " + k + " / " + l);
        }
    }

    private interface Run {
        void run() throws Exception;
    }

    private static String row(String client, int round, int chunks, int streams, Run run) throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        run.run();
        long wall = System.nanoTime() - t0;
        long cpu = os.getProcessCpuTime() - cpu0;
        return String.format(Locale.ROOT, "| %s | %d | %d | %.2f | %.2f |", client, round, streams,
                wall / 1e6 / streams, cpu / 1e3 / ((double) chunks * streams));
    }

    private static void runKairos(ChatClient c, int streams) {
        for (int i = 0; i < streams; i++) {
            c.stream(request(), StreamListener.IGNORE);
        }
    }

    private static void runLc4j(OpenAiStreamingChatModel m, int streams) throws Exception {
        for (int i = 0; i < streams; i++) {
            CompletableFuture<dev.langchain4j.model.chat.response.ChatResponse> f = new CompletableFuture<>();
            m.chat(List.of(UserMessage.from("hi")), new LangChainListener(f));
            f.get(60, TimeUnit.SECONDS);
        }
    }

    private interface Launch {
        void launch(CountDownLatch opened, CountDownLatch done) throws Exception;
    }

    private static String memory(String client, int n, Launch launch) throws Exception {
        long before = heapAfterGc();
        CountDownLatch opened = new CountDownLatch(n);
        CountDownLatch done = new CountDownLatch(n);
        FAILURE.set(null);
        long launched = System.nanoTime();
        launch.launch(opened, done);
        if (!opened.await(300, TimeUnit.SECONDS)) {
            throw new IllegalStateException(client + ": only " + (n - opened.getCount()) + " streams opened", FAILURE.get());
        }
        long openedAfterMs = (System.nanoTime() - launched) / 1_000_000;
        long open = heapAfterGc();
        long stillOpen = n - done.getCount();
        stillOpen = n - stillOpen; // streams not yet finished when the heap was measured
        if (!done.await(600, TimeUnit.SECONDS)) {
            throw new IllegalStateException(client + ": streams did not finish");
        }
        Throwable failed = FAILURE.get();
        if (failed != null) {
            System.err.println(client + ": a stream failed: " + failed);
        }
        return String.format(Locale.ROOT, "| %s | %d | %d ms | %d | %.1f | %.1f | %.1f |", client, n, openedAfterMs, stillOpen,
                before / 1048576.0, open / 1048576.0, (open - before) / 1024.0 / stillOpen);
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Counts a stream as open at its first event. */
    private static final class OnceListener implements StreamListener {
        private final CountDownLatch opened;
        private boolean seen;

        OnceListener(CountDownLatch opened) {
            this.opened = opened;
        }

        @Override
        public void on(dev.kairos.inference.StreamEvent event) {
            if (!seen) {
                seen = true;
                opened.countDown();
            }
        }
    }

    private static final class LangChainListener implements StreamingChatResponseHandler {
        private final CompletableFuture<dev.langchain4j.model.chat.response.ChatResponse> result;
        private final CountDownLatch opened;
        private final CountDownLatch done;
        private volatile boolean seen;

        LangChainListener(CompletableFuture<dev.langchain4j.model.chat.response.ChatResponse> result) {
            this.result = result;
            this.opened = null;
            this.done = null;
        }

        LangChainListener(CountDownLatch opened, CountDownLatch done) {
            this.result = new CompletableFuture<>();
            this.opened = opened;
            this.done = done;
        }

        @Override
        public void onPartialResponse(String partial) {
            if (!seen && opened != null) {
                seen = true;
                opened.countDown();
            }
        }

        @Override
        public void onCompleteResponse(dev.langchain4j.model.chat.response.ChatResponse response) {
            result.complete(response);
            if (done != null) {
                done.countDown();
            }
        }

        @Override
        public void onError(Throwable error) {
            FAILURE.compareAndSet(null, error);
            result.completeExceptionally(error);
            if (done != null) {
                done.countDown();
            }
        }
    }

    /** A vLLM-format stream: content deltas, then two tool calls whose arguments come in fragments. */
    private static int writeScript(Path file, int content, int fragments, int delayMs) throws Exception {
        ArrayNode sse = JSON.createArrayNode();
        sse.add(chunk(JSON.createObjectNode().put("role", "assistant").put("content", ""), null));
        for (int i = 0; i < content; i++) {
            sse.add(chunk(JSON.createObjectNode().put("content", "tok" + (i % 10) + " "), null));
        }
        for (int call = 0; call < 2; call++) {
            ObjectNode first = JSON.createObjectNode();
            ObjectNode tc = first.putArray("tool_calls").addObject().put("id", "chatcmpl-tool-" + call)
                    .put("type", "function").put("index", call);
            tc.putObject("function").put("name", call == 0 ? "get_weather" : "get_time");
            sse.add(chunk(first, null));
            for (int i = 0; i < fragments; i++) {
                String frag = i == 0 ? "{\"text\": \"" : i == fragments - 1 ? "\"}" : "abcdefgh";
                ObjectNode d = JSON.createObjectNode();
                d.putArray("tool_calls").addObject().put("index", call).putObject("function").put("arguments", frag);
                sse.add(chunk(d, null));
            }
        }
        sse.add(chunk(JSON.createObjectNode(), "tool_calls"));
        sse.add(JSON.readTree("{\"id\":\"chatcmpl-b\",\"object\":\"chat.completion.chunk\",\"created\":1767225600,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":"
                + (content + 2 * fragments) + ",\"total_tokens\":" + (20 + content + 2 * fragments) + "}}"));
        sse.add("[DONE]");
        ObjectNode script = JSON.createObjectNode().put("engine", "vllm");
        ObjectNode routes = script.putObject("routes");
        routes.putArray("GET /health").addObject().put("text", "");
        ObjectNode answer = routes.putArray("POST /v1/chat/completions").addObject();
        answer.put("delayMs", delayMs);
        answer.set("sse", sse);
        Files.writeString(file, JSON.writeValueAsString(script));
        return sse.size();
    }

    private static ObjectNode chunk(ObjectNode delta, String finish) {
        ObjectNode c = JSON.createObjectNode().put("id", "chatcmpl-b").put("object", "chat.completion.chunk")
                .put("created", 1767225600).put("model", "m");
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        return c;
    }

    private static Process simulator(Path script) throws Exception {
        return new ProcessBuilder(SimulatorCommand.command(List.of("-Xmx1g"), 0, script.toString()))
                .redirectErrorStream(true).start();
    }

    /** Reads the simulator's "listening on URL" line (bounded), then checks /health. */
    private static URI awaitUrl(Process p) throws Exception {
        CompletableFuture<URI> url = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (var r = p.inputReader()) {
                String line;
                while ((line = r.readLine()) != null) {
                    int at = line.indexOf("listening on ");
                    if (at >= 0) {
                        url.complete(URI.create(line.substring(at + "listening on ".length()).trim()));
                    }
                }
            } catch (Exception e) {
                url.completeExceptionally(e);
            }
        });
        URI u = url.get(60, TimeUnit.SECONDS);
        HttpResponse<Void> h = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(u + "/health"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
        if (h.statusCode() != 200) {
            throw new IllegalStateException("simulator not healthy: " + h.statusCode());
        }
        return u;
    }

    private static int intArg(String[] args, String name, int dflt) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return dflt;
    }

    private StreamedChunkBench() {
    }
}
