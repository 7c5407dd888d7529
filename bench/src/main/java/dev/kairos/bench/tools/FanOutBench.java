package dev.kairos.bench.tools;

import com.sun.management.OperatingSystemMXBean;
import dev.kairos.agent.DownstreamServers;
import dev.kairos.agent.LiveCatalogue;
import dev.kairos.agent.ToolProvider;
import dev.kairos.agent.ExecutorSettings;
import dev.kairos.agent.McpServerSettings;
import dev.kairos.agent.ParallelToolExecutor;
import dev.kairos.agent.ToolApproval;
import dev.kairos.agent.ToolCallResult;
import dev.kairos.agent.ToolOutcome;
import dev.kairos.inference.ToolCall;
import dev.kairos.transports.ClientOptions;
import dev.kairos.transports.McpServerConnection;
import dev.kairos.transports.ServerEndpoint;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.mcp.client.DefaultMcpClient;
import dev.langchain4j.mcp.client.transport.McpTransport;
import dev.langchain4j.mcp.client.transport.http.StreamableHttpMcpTransport;
import dev.langchain4j.mcp.client.transport.stdio.StdioMcpTransport;
import dev.langchain4j.service.tool.ToolExecutionResult;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Fan-out: one batch of N calls (32) to a tool that takes M ms (200), on a downstream MCP server over
 * stdio and over Streamable HTTP, measured as wall time from the batch's start to its last result:
 * Kairos's {@link ParallelToolExecutor} (bounds on), LangChain4j's MCP client with the calls on
 * virtual threads (what {@code AiServices.executeToolsConcurrently()} does with its default executor),
 * the bare MCP Java SDK client on virtual threads, and the SDK client one call after another (what
 * Spring AI does). Then client CPU per call on the same servers with a 0 ms tool, the servers being
 * other processes, so this process's CPU time is the clients' alone.
 *
 * <p>Options: {@code --calls 32 --ms 200 --rounds 7 --sequential-rounds 1 --cpu-calls 960 --cpu-rounds 3}.
 */
public final class FanOutBench {
    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private FanOutBench() {
    }

    /** One way of sending a batch of calls to the sleep tool; returns each call's answer text, in order. */
    interface Client extends AutoCloseable {
        String name();

        List<String> batch(int calls, long ms) throws Exception;

        @Override
        void close();
    }

    public static void main(String[] args) throws Exception {
        int calls = intArg(args, "--calls", 32);
        long ms = intArg(args, "--ms", 200);
        int rounds = intArg(args, "--rounds", 7);
        int seqRounds = intArg(args, "--sequential-rounds", 1);
        int cpuCalls = intArg(args, "--cpu-calls", 960);
        int cpuRounds = intArg(args, "--cpu-rounds", 3);
        System.out.printf(Locale.ROOT, "fan-out: %d calls of a %d ms tool per batch; %s, %d cores, JDK %s%n",
                calls, ms, Instant.now(), Runtime.getRuntime().availableProcessors(), Runtime.version());

        Process httpServer = startHttpServer();
        Map<String, List<Client>> clients = new LinkedHashMap<>();
        int status = 0;
        try {
            String url = SubProcesses.awaitLine(httpServer, "listening on ", Duration.ofMinutes(3));
            clients.put("stdio", connect(null, calls));
            clients.put("http", connect(url, calls));

            // A batch that fails (an exception, a wrong or missing answer) is counted, not timed, and the run goes on.
            Map<String, List<String>> failures = new LinkedHashMap<>();
            // warm-up: every client, both transports
            for (List<Client> list : clients.values()) {
                for (Client c : list) {
                    if (!c.name().startsWith("sequential")) {
                        for (int i = 0; i < 3; i++) {
                            attempt(failures, "warm-up|" + c.name(), c, calls, ms);
                        }
                        attempt(failures, "warm-up|" + c.name(), c, calls, 0);
                    }
                }
            }

            Map<String, List<Double>> wall = new LinkedHashMap<>();
            for (int r = 0; r < rounds; r++) {
                for (var e : clients.entrySet()) {
                    List<Client> order = new ArrayList<>(e.getValue());
                    if (r % 2 == 1) {
                        java.util.Collections.reverse(order);
                    }
                    for (Client c : order) {
                        if (c.name().startsWith("sequential") && r >= seqRounds) {
                            continue;
                        }
                        String key = e.getKey() + "|" + c.name();
                        wall.computeIfAbsent(key, k -> new ArrayList<>());
                        Double took = attempt(failures, key, c, calls, ms);
                        if (took != null) {
                            wall.get(key).add(took);
                        }
                    }
                }
            }
            System.out.println();
            System.out.printf(Locale.ROOT, "| transport | client | batches timed | failed batches | wall ms, median (min–max) | efficiency vs %d ms (median) | ≥ 95 %% |%n", ms);
            System.out.println("|---|---|---|---|---|---|---|");
            for (var e : wall.entrySet()) {
                String[] k = e.getKey().split("\\|");
                int failed = failures.getOrDefault(e.getKey(), List.of()).size();
                if (e.getValue().isEmpty()) {
                    System.out.printf(Locale.ROOT, "| %s | %s | 0 | %d | — | — | no |%n", k[0], k[1], failed);
                    continue;
                }
                Timings t = Timings.of(e.getValue());
                System.out.printf(Locale.ROOT, "| %s | %s | %d | %d | %s | %.1f %% | %s |%n", k[0], k[1], e.getValue().size(),
                        failed, t.summary(), Timings.efficiency(ms, t.median()), Timings.efficiency(ms, t.median()) >= 95 ? "yes" : "no");
            }

            // client CPU per call: a 0 ms tool, batches of `calls`, every client but the slow sequential one
            Map<String, List<Double>> cpu = new LinkedHashMap<>();
            for (int r = -1; r < cpuRounds; r++) { // round -1 warms the JIT up and is not reported
                for (var e : clients.entrySet()) {
                    for (Client c : e.getValue()) {
                        if (c.name().startsWith("sequential") || c.name().contains("defaults")) {
                            continue;
                        }
                        int batches = Math.max(1, cpuCalls / calls);
                        String key = "cpu " + e.getKey() + "|" + c.name();
                        int failedBefore = failures.getOrDefault(key, List.of()).size();
                        System.gc();
                        long cpu0 = OS.getProcessCpuTime();
                        for (int b = 0; b < batches; b++) {
                            attempt(failures, key, c, calls, 0);
                        }
                        double usPerCall = (OS.getProcessCpuTime() - cpu0) / 1e3 / (batches * (double) calls);
                        // a round with a failed batch is left out: a failure costs other CPU than a call
                        if (r >= 0 && failures.getOrDefault(key, List.of()).size() == failedBefore) {
                            cpu.computeIfAbsent(e.getKey() + "|" + c.name(), k -> new ArrayList<>()).add(usPerCall);
                        }
                    }
                }
            }
            System.out.println();
            System.out.printf(Locale.ROOT, "| transport | client | client CPU µs per call, median (min–max) over %d rounds of %d calls |%n",
                    cpuRounds, Math.max(1, cpuCalls / calls) * calls);
            System.out.println("|---|---|---|");
            for (var e : cpu.entrySet()) {
                String[] k = e.getKey().split("\\|");
                System.out.printf(Locale.ROOT, "| %s | %s | %s |%n", k[0], k[1], Timings.of(e.getValue()).summary());
            }
            if (!failures.isEmpty()) {
                System.out.println();
                System.out.println("failed batches (the first reason each):");
                failures.forEach((k, v) -> System.out.println("- " + k.replace("|", ": ") + ": " + v.size() + " × " + v.getFirst()));
            }
        } catch (Throwable e) {
            // said at once: closing the clients below may take a while
            System.err.println("fan-out benchmark failed:");
            e.printStackTrace();
            status = 1;
        } finally {
            closeAll(clients.values().stream().flatMap(List::stream).toList());
            httpServer.destroy();
            httpServer.waitFor(10, TimeUnit.SECONDS);
        }
        System.exit(status); // a client library's leftover non-daemon thread must not keep the benchmark alive
    }

    private static final java.util.concurrent.ScheduledExecutorService WATCHDOG =
            Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("watchdog").unstarted(r));

    interface Batch {
        List<String> run() throws Exception;
    }

    /**
     * Runs one batch; if it is still running after 70 s (every client's own call timeout is 60 s), the
     * threads of this process, virtual ones included, are dumped to a file named on stderr.
     */
    static List<String> watched(String what, Batch batch) throws Exception {
        var dump = WATCHDOG.schedule(() -> {
            try {
                Path file = Path.of(System.getProperty("java.io.tmpdir"), "fanout-threads-" + System.currentTimeMillis() + ".txt");
                ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                        .dumpThreads(file.toString(), com.sun.management.HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
                System.err.println("a batch of '" + what + "' has run for 70 s; threads dumped to " + file);
            } catch (Exception e) {
                System.err.println("thread dump failed: " + e);
            }
        }, 70, TimeUnit.SECONDS);
        try {
            return batch.run();
        } finally {
            dump.cancel(false);
        }
    }

    /** Closes every client at once, waiting at most 30 s in all; one that does not close is named. */
    private static void closeAll(List<Client> clients) {
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        Map<String, Future<?>> closing = new LinkedHashMap<>();
        clients.forEach(c -> closing.put(c.name(), pool.submit(c::close)));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        closing.forEach((name, f) -> {
            try {
                f.get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                System.err.println("closing '" + name + "' did not finish: " + e);
            }
        });
        pool.shutdownNow();
    }

    /** One watched batch: its wall time in ms, or null after recording why it failed. */
    private static Double attempt(Map<String, List<String>> failures, String key, Client c, int calls, long ms) {
        long t0 = System.nanoTime();
        try {
            List<String> out = watched(key, () -> c.batch(calls, ms));
            double took = (System.nanoTime() - t0) / 1e6;
            check(c, out, calls, ms);
            return took;
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String why = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
            failures.computeIfAbsent(key, k -> new ArrayList<>()).add(why.length() > 200 ? why.substring(0, 200) + "…" : why);
            System.err.println("failed batch, " + key.replace("|", ": ") + ": " + e);
            return null;
        }
    }

    private static void check(Client c, List<String> out, int calls, long ms) {
        if (out.size() != calls) {
            throw new IllegalStateException(c.name() + ": " + out.size() + " results for " + calls + " calls");
        }
        for (String s : out) {
            if (s == null || !s.contains("slept " + ms)) {
                throw new IllegalStateException(c.name() + ": unexpected result '" + s + "'");
            }
        }
    }

    /** The clients for one server: a new stdio child per client when {@code url} is null, else the HTTP server. */
    private static List<Client> connect(String url, int calls) throws Exception {
        String transport = url == null ? "stdio" : "http";
        ServerEndpoint endpoint = url == null
                ? new ServerEndpoint.Stdio(javaBin(), serverArgs("stdio"), Map.of(), null)
                : new ServerEndpoint.Http(url, Map.of(), ServerEndpoint.HttpKind.STREAMABLE);
        List<java.util.concurrent.Callable<List<Client>>> makers = List.of(
                () -> kairos(endpoint, calls),
                () -> List.of(lc4j(url)),
                () -> sdk(sdkTransport(url)));
        // connected at once: each stdio client starts its own server JVM
        List<Client> out = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<Client>>> fs = new ArrayList<>();
            for (var m : makers) {
                fs.add(pool.submit(m));
            }
            for (Future<List<Client>> f : fs) {
                out.addAll(f.get(3, TimeUnit.MINUTES));
            }
        }
        System.out.println(transport + ": connected " + out.size() + " clients");
        return out;
    }

    /**
     * Kairos over one connection: the executor with the server's max_concurrency raised to the batch
     * size (the per-server default, 16, is below 32), the executor with the defaults, and the
     * connection called directly from virtual threads (where the executor's own cost shows).
     */
    private static List<Client> kairos(ServerEndpoint endpoint, int calls) throws InterruptedException {
        McpServerSettings raised = new McpServerSettings("sleepy", endpoint, true, null, null, null, null, calls,
                null, null, false);
        DownstreamServers servers = DownstreamServers.connect(List.of(raised), ClientOptions.defaults("bench")
                .withInitializeTimeout(Duration.ofMinutes(3)));
        if (servers.providers().isEmpty() || servers.providers().getFirst().tools().isEmpty()) {
            throw new IllegalStateException("Kairos: the server did not connect: "
                    + (servers.providers().isEmpty() ? "no provider" : servers.providers().getFirst().state()));
        }
        ParallelToolExecutor withRaisedBound = new ParallelToolExecutor(servers.catalogue(List.of(), Duration.ofSeconds(60)),
                ExecutorSettings.defaults(), ToolApproval.ALLOW);
        List<ToolProvider> providers = new ArrayList<>(servers.providers());
        ParallelToolExecutor withDefaults = new ParallelToolExecutor(new LiveCatalogue(providers,
                Map.of("sleepy", McpServerSettings.of("sleepy", endpoint)), Duration.ofSeconds(60)),
                ExecutorSettings.defaults(), ToolApproval.ALLOW);
        McpServerConnection connection = servers.providers().getFirst().connection();
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        List<Client> out = new ArrayList<>();
        out.add(executorClient("Kairos executor, max_concurrency " + calls, withRaisedBound, () -> {
            threads.close();
            servers.close();
        }));
        out.add(new Client() {
            @Override
            public String name() {
                return "Kairos connection alone (no executor), virtual threads";
            }

            @Override
            public List<String> batch(int n, long ms) throws Exception {
                List<Future<McpSchema.CallToolResult>> fs = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    fs.add(threads.submit(() -> connection.call("sleep", Map.of("ms", ms), p -> { },
                            Instant.now().plusSeconds(60))));
                }
                List<String> texts = new ArrayList<>(n);
                for (Future<McpSchema.CallToolResult> f : fs) {
                    texts.add(text(f.get(80, TimeUnit.SECONDS))); // the deadline is 60 s
                }
                return texts;
            }

            @Override
            public void close() {
                // the first client closes the connection
            }
        });
        out.add(executorClient("Kairos executor, defaults (" + ExecutorSettings.defaults().perServerConcurrency()
                + " per server)", withDefaults, () -> { }));
        return out;
    }

    private static Client executorClient(String name, ParallelToolExecutor ex, Runnable onClose) {
        return new Client() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<String> batch(int n, long ms) throws Exception {
                List<ToolCall> batch = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    batch.add(new ToolCall("c" + i, "sleep", "{\"ms\":" + ms + "}"));
                }
                List<String> texts = new ArrayList<>(n);
                for (ToolCallResult r : ex.runAll(batch, e -> { })) {
                    texts.add(r.outcome() == ToolOutcome.OK ? r.text() : r.outcome() + ": " + r.text());
                }
                return texts;
            }

            @Override
            public void close() {
                onClose.run();
            }
        };
    }

    private static Client lc4j(String url) {
        McpTransport transport = url == null
                ? new StdioMcpTransport.Builder().command(command("stdio")).logEvents(false).build()
                : new StreamableHttpMcpTransport.Builder().url(url).timeout(Duration.ofSeconds(60)).build();
        dev.langchain4j.mcp.client.McpClient client = new DefaultMcpClient.Builder().transport(transport)
                .initializationTimeout(Duration.ofMinutes(3)).toolExecutionTimeout(Duration.ofSeconds(60))
                .autoHealthCheck(false).build();
        // AiServices.executeToolsConcurrently() runs each call of a turn on a virtual-thread executor (JDK 21+)
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        return new Client() {
            @Override
            public String name() {
                return "LangChain4j MCP client 1.18.1-beta28, virtual threads";
            }

            @Override
            public List<String> batch(int calls, long ms) throws Exception {
                List<Future<ToolExecutionResult>> fs = new ArrayList<>(calls);
                for (int i = 0; i < calls; i++) {
                    ToolExecutionRequest req = ToolExecutionRequest.builder().id("c" + i).name("sleep")
                            .arguments("{\"ms\":" + ms + "}").build();
                    fs.add(threads.submit(() -> client.executeTool(req)));
                }
                List<String> out = new ArrayList<>(calls);
                for (Future<ToolExecutionResult> f : fs) {
                    ToolExecutionResult r = f.get(80, TimeUnit.SECONDS); // its own timeout is 60 s
                    out.add(r.isError() ? "error: " + r.resultText() : r.resultText());
                }
                return out;
            }

            @Override
            public void close() {
                threads.close();
                try {
                    client.close();
                } catch (Exception ignored) {
                    // closing anyway
                }
            }
        };
    }

    private static McpClientTransport sdkTransport(String url) {
        if (url == null) {
            return new StdioClientTransport(ServerParameters.builder(javaBin()).args(serverArgs("stdio")).build(),
                    McpJsonDefaults.getMapper());
        }
        URI u = URI.create(url);
        return HttpClientStreamableHttpTransport.builder(u.getScheme() + "://" + u.getAuthority())
                .endpoint(u.getPath()).build();
    }

    /** The bare SDK client: the batch on virtual threads, and the same client one call after another. */
    private static List<Client> sdk(McpClientTransport transport) {
        McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(60))
                .initializationTimeout(Duration.ofMinutes(3))
                .clientInfo(new McpSchema.Implementation("bench", "1")).build();
        client.initialize();
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        Client concurrent = new Client() {
            @Override
            public String name() {
                return "MCP Java SDK 2.1.0 client, virtual threads";
            }

            @Override
            public List<String> batch(int n, long ms) throws Exception {
                List<Future<String>> fs = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    fs.add(threads.submit(() -> text(client.callTool(new McpSchema.CallToolRequest("sleep", Map.of("ms", ms))))));
                }
                List<String> out = new ArrayList<>(n);
                for (Future<String> f : fs) {
                    out.add(f.get(80, TimeUnit.SECONDS)); // its own timeout is 60 s
                }
                return out;
            }

            @Override
            public void close() {
                threads.close();
                client.closeGracefully();
            }
        };
        Client sequential = new Client() {
            @Override
            public String name() {
                return "sequential loop (the same SDK client, one call at a time)";
            }

            @Override
            public List<String> batch(int n, long ms) {
                List<String> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    out.add(text(client.callTool(new McpSchema.CallToolRequest("sleep", Map.of("ms", ms)))));
                }
                return out;
            }

            @Override
            public void close() {
                // the concurrent client closes the connection
            }
        };
        return List.of(concurrent, sequential);
    }

    private static String text(McpSchema.CallToolResult r) {
        String t = r.content().isEmpty() || !(r.content().getFirst() instanceof McpSchema.TextContent tc) ? "" : tc.text();
        return Boolean.TRUE.equals(r.isError()) ? "error: " + t : t;
    }

    private static Process startHttpServer() throws Exception {
        return new ProcessBuilder(command("http")).redirectErrorStream(true).start();
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The sleep server as a separate JVM: small heap, serial GC, quiet logs. */
    static List<String> serverArgs(String mode) {
        return List.of("-Xmx256m", "-XX:+UseSerialGC", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), SleepServer.class.getName(), mode);
    }

    static List<String> command(String mode) {
        List<String> c = new ArrayList<>();
        c.add(javaBin());
        c.addAll(serverArgs(mode));
        return c;
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
