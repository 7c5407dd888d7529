package dev.kairos.agent;

import dev.kairos.agent.testserver.FaultyServer;
import dev.kairos.inference.ToolCall;
import dev.kairos.transports.ClientOptions;
import dev.kairos.transports.ServerEndpoint;
import dev.kairos.transports.ServerState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The executor over real stdio server processes: our faulty test server, started from the test classpath. */
class DownstreamStdioTest {
    @TempDir
    Path dir;
    private DownstreamServers servers;

    static ServerEndpoint.Stdio faulty(Map<String, String> env) {
        return new ServerEndpoint.Stdio(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                List.of("-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                        FaultyServer.class.getName()), env, null);
    }

    static ClientOptions options() {
        return ClientOptions.defaults("test").withInitializeTimeout(Duration.ofSeconds(20))
                .withRestarts(3, Duration.ofMillis(100));
    }

    private ParallelToolExecutor executor(McpServerSettings... settings) throws InterruptedException {
        servers = DownstreamServers.connect(List.of(settings), options());
        return new ParallelToolExecutor(servers.catalogue(List.of(), Duration.ofSeconds(30)),
                ExecutorSettings.defaults(), ToolApproval.REFUSE);
    }

    @AfterEach
    void close() {
        if (servers != null) {
            servers.close();
        }
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void aBatchOfEightWithOneSlowAndOneFailingCallComesBackWholeInOrder() throws Exception {
        ParallelToolExecutor ex = executor(McpServerSettings.of("faulty", faulty(Map.of())));
        Path release = dir.resolve("release");
        List<ToolCall> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(switch (i) {
                case 2 -> new ToolCall("id" + i, "await_file", "{\"path\":\"" + release + "\"}");
                case 5 -> new ToolCall("id" + i, "fail", "{}");
                default -> new ToolCall("id" + i, "echo", "{\"text\":\"t" + i + "\"}");
            });
        }
        List<String> completed = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch seven = new CountDownLatch(7);
        try (ToolExecutor.Turn turn = ex.begin(e -> {
            if (e instanceof ToolEvent.Finished f) {
                completed.add(f.result().call().id());
                seven.countDown();
            }
        })) {
            calls.forEach(turn::start);
            assertTrue(seven.await(30, TimeUnit.SECONDS), "the seven quick calls finish while the slow one waits");
            assertFalse(completed.contains("id2"));
            Files.writeString(release, "go");
            List<ToolCallResult> results = turn.finish(calls);
            assertEquals(8, results.size());
            for (int i = 0; i < 8; i++) {
                assertEquals("id" + i, results.get(i).call().id());
            }
            assertEquals("t7", results.get(7).text());
            assertEquals(ToolOutcome.TOOL_ERROR, results.get(5).outcome());
            assertEquals("found release", results.get(2).text());
            assertEquals("id2", completed.getLast());
        }
    }

    @Test
    void aTimedOutCallIsCancelledDownstreamAndTheServerKeepsWorking() throws Exception {
        Path log = dir.resolve("cancelled.log");
        McpServerSettings s = new McpServerSettings("faulty", faulty(Map.of("CANCEL_LOG", log.toString())), true, null,
                null, null, Map.of("hang", Duration.ofMillis(500)), null, null, null, false);
        ParallelToolExecutor ex = executor(s);
        List<ToolCallResult> r = ex.runAll(List.of(new ToolCall("a", "hang", "{}"),
                new ToolCall("b", "echo", "{\"text\":\"still here\"}")), e -> { });
        assertEquals(ToolOutcome.TIMEOUT, r.get(0).outcome());
        assertEquals("still here", r.get(1).text());
        await(() -> Files.exists(log), "notifications/cancelled at the server");
        assertEquals(ToolOutcome.OK, ex.runAll(List.of(new ToolCall("c", "echo", "{\"text\":\"x\"}")), e -> { })
                .getFirst().outcome());
    }

    @Test
    void aServerKilledMidCallFailsThatCallWithItsStderrAndIsRestarted() throws Exception {
        ParallelToolExecutor ex = executor(McpServerSettings.of("faulty", faulty(Map.of())));
        McpToolProvider p = servers.providers().getFirst();
        long pid = p.connection().pid();
        // hang is not read-only, so it is not retried on the restarted server
        List<ToolCallResult> r = ex.runAll(List.of(new ToolCall("a", "hang", "{}"),
                new ToolCall("b", "exit", "{\"code\":3}")), e -> { });
        assertEquals(ToolOutcome.UNAVAILABLE, r.get(0).outcome(), r.get(0).text() + " / " + r.get(1).outcome() + " " + r.get(1).text());
        assertTrue(r.get(0).text().contains("exited with code 3"), r.get(0).text());
        assertTrue(r.get(0).text().contains("exiting on request"), "the last stderr lines: " + r.get(0).text());
        await(() -> p.state().status() == ServerState.Status.READY && p.connection().pid() != pid, "the restart");
        assertNotEquals(pid, p.connection().pid());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        assertEquals("back", ex.runAll(List.of(new ToolCall("c", "echo", "{\"text\":\"back\"}")), e -> { })
                .getFirst().text());
    }

    @Test
    void garbageErrorsHugeResultsProgressAndStructuredContent() throws Exception {
        ParallelToolExecutor ex = executor(McpServerSettings.of("faulty", faulty(Map.of())));
        List<ToolEvent> events = Collections.synchronizedList(new ArrayList<>());
        List<ToolCallResult> r = ex.runAll(List.of(
                new ToolCall("g", "garbage", "{}"),
                new ToolCall("e", "error", "{}"),
                new ToolCall("h", "huge", "{\"chars\":2000000}"),
                new ToolCall("p", "progress", "{}"),
                new ToolCall("s", "structured", "{}")), events::add);
        assertEquals("after garbage", r.get(0).text());
        assertEquals(ToolOutcome.TOOL_ERROR, r.get(1).outcome());
        assertTrue(r.get(1).text().contains("internal failure on purpose"), r.get(1).text());
        assertTrue(r.get(2).text().endsWith("[result cut: 100000 of 2000000 characters shown]"));
        assertEquals("progressed", r.get(3).text());
        assertTrue(events.stream().anyMatch(e -> e instanceof ToolEvent.Progress pr && pr.call().id().equals("p")
                && "step 2".equals(pr.message())), events.toString());
        assertEquals(42, r.get(4).structured().path("answer").asInt());
    }

    @Test
    void aServerThatCannotStartOrNeverInitializesIsReportedAndTheOthersWork() throws Exception {
        // long enough for the good server (a JVM) to start on a loaded machine; the silent one waits it out
        ClientOptions quick = options().withInitializeTimeout(Duration.ofSeconds(8));
        servers = DownstreamServers.connect(List.of(
                McpServerSettings.of("missing", new ServerEndpoint.Stdio("/no/such/server-binary", null, null, null)),
                McpServerSettings.of("silent", faulty(Map.of("MODE", "silent"))),
                McpServerSettings.of("good", faulty(Map.of()))), quick);
        List<McpToolProvider> ps = servers.providers();
        assertEquals(ServerState.Status.FAILED, ps.get(0).state().status());
        assertTrue(ps.get(0).state().detail().contains("/no/such/server-binary"), ps.get(0).state().detail());
        assertEquals(ServerState.Status.FAILED, ps.get(1).state().status());
        assertTrue(ps.get(1).state().detail().contains("initialize"), ps.get(1).state().detail());
        assertEquals(ServerState.Status.READY, ps.get(2).state().status());
        ParallelToolExecutor ex = new ParallelToolExecutor(servers.catalogue(List.of(), Duration.ofSeconds(30)));
        assertEquals("ok", ex.runAll(List.of(new ToolCall("1", "echo", "{\"text\":\"ok\"}")), e -> { }).getFirst().text());
    }

    @Test
    void aToolListChangeReachesTheCatalogueFromTheNextTurn() throws Exception {
        ParallelToolExecutor ex = executor(McpServerSettings.of("faulty", faulty(Map.of())));
        LiveCatalogue cat = ex.catalogue();
        assertTrue(cat.find("late").isEmpty());
        try (ToolExecutor.Turn turn = ex.begin(e -> { })) {
            List<ToolCall> add = List.of(new ToolCall("a", "add_tool", "{\"name\":\"late\"}"));
            add.forEach(turn::start);
            assertEquals("added late", turn.finish(add).getFirst().text());
            // the turn read the catalogue when it began, so the new tool is not in it yet
            List<ToolCall> early = List.of(new ToolCall("b", "late", "{}"));
            early.forEach(turn::start);
            assertEquals(ToolOutcome.UNKNOWN_TOOL, turn.finish(early).getFirst().outcome());
        }
        // notifications/tools/list_changed -> the SDK lists again -> the catalogue is marked stale and rebuilt
        await(() -> cat.find("late").isPresent(), "the new tool in the catalogue");
        assertTrue(cat.find("late").orElseThrow().readOnly());
        ToolCallResult r = ex.runAll(List.of(new ToolCall("c", "late", "{}")), e -> { }).getFirst();
        assertEquals(ToolOutcome.OK, r.outcome(), r.text());
        assertEquals("this is late", r.text());
    }

    @Test
    void theGlobalBoundHoldsAcrossServers() throws Exception {
        servers = DownstreamServers.connect(List.of(McpServerSettings.of("a", faulty(Map.of())),
                McpServerSettings.of("b", faulty(Map.of()))), options());
        // two calls at once over all servers; the per-server bound (16) is not what holds them
        ExecutorSettings two = new ExecutorSettings(2, 16, Duration.ofSeconds(30), 100_000, 1, Duration.ofMillis(100),
                50f, 10, Duration.ofSeconds(30));
        ParallelToolExecutor ex = new ParallelToolExecutor(servers.catalogue(List.of(), Duration.ofSeconds(30)), two,
                ToolApproval.REFUSE);
        List<ToolCall> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String server = i % 2 == 0 ? "a" : "b";
            calls.add(new ToolCall("id" + i, server + "__await_file", "{\"path\":\"" + dir.resolve("go" + i) + "\"}"));
        }
        java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger finished = new java.util.concurrent.atomic.AtomicInteger();
        java.util.Queue<String> running = new java.util.concurrent.ConcurrentLinkedQueue<>();
        try (ToolExecutor.Turn turn = ex.begin(e -> {
            // Started comes after a call holds its permits and Finished before it gives them back,
            // so this count is never below the calls really in flight
            switch (e) {
                case ToolEvent.Started st -> {
                    running.add(st.call().id());
                    most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    started.incrementAndGet();
                }
                case ToolEvent.Finished f -> {
                    inFlight.decrementAndGet();
                    finished.incrementAndGet();
                }
                default -> {
                }
            }
        })) {
            calls.forEach(turn::start);
            // let a call finish only while the bound is full (or nothing is left to start): a broken bound
            // would let more than two start meanwhile
            while (finished.get() < 8) {
                await(() -> inFlight.get() == 2 || (started.get() == 8 && !running.isEmpty()) || finished.get() == 8,
                        "a full bound");
                String next = running.poll();
                if (next != null) {
                    int done = finished.get();
                    Files.writeString(dir.resolve("go" + next.substring(2)), "go");
                    await(() -> finished.get() > done, "the released call to finish");
                }
            }
            List<ToolCallResult> results = turn.finish(calls);
            assertTrue(results.stream().allMatch(r -> r.outcome() == ToolOutcome.OK), results.toString());
        }
        assertEquals(2, most.get(), "calls in flight at once");
    }

    @Test
    void closingStopsEveryChildProcess() throws Exception {
        executor(McpServerSettings.of("a", faulty(Map.of())), McpServerSettings.of("b", faulty(Map.of())));
        List<Long> pids = servers.providers().stream().map(p -> p.connection().pid()).toList();
        assertTrue(pids.stream().allMatch(pid -> pid > 0));
        servers.close();
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " still alive");
        }
        servers = null;
    }
}
