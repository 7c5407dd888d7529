package dev.kairos.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.inference.ToolCall;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelToolExecutorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An in-process provider whose tools wait, fail or hang as the test tells them. */
    static final class Scripted implements ToolProvider {
        final String name;
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch hanging = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);
        final AtomicInteger flaky = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        volatile Thread lastThread;

        Scripted(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public List<ToolDescriptor> tools() {
            JsonNode schema = JSON.createObjectNode().put("type", "object")
                    .set("properties", JSON.createObjectNode().set("n", JSON.createObjectNode().put("type", "integer")));
            return List.of(
                    new ToolDescriptor("echo", null, "echo", schema, null, new ToolHints(true, false, true, false)),
                    new ToolDescriptor("slow", null, "waits", schema, null, ToolHints.NONE),
                    new ToolDescriptor("fail", null, "fails", schema, null, ToolHints.NONE),
                    new ToolDescriptor("hang", null, "never answers", schema, null, ToolHints.NONE),
                    new ToolDescriptor("flaky", null, "down once", schema, null, new ToolHints(true, null, null, null)),
                    new ToolDescriptor("down", null, "never reachable", schema, null, ToolHints.NONE),
                    new ToolDescriptor("big", null, "huge", schema, null, ToolHints.NONE));
        }

        @Override
        public CallToolResult call(String tool, JsonNode arguments, ToolCallControl control) throws InterruptedException {
            lastThread = Thread.currentThread();
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                return switch (tool) {
                    case "echo" -> {
                        control.progress(1, 1.0, "done");
                        yield text("echo " + arguments.path("n").asInt());
                    }
                    case "slow" -> {
                        assertTrue(release.await(30, TimeUnit.SECONDS));
                        yield text("slow done");
                    }
                    case "fail" -> CallToolResult.builder().addTextContent("it broke").isError(true).build();
                    case "hang" -> {
                        hanging.countDown();
                        try {
                            new CountDownLatch(1).await(60, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            interrupted.countDown();
                            throw e;
                        }
                        yield text("never");
                    }
                    case "flaky" -> {
                        if (flaky.incrementAndGet() == 1) {
                            throw new ToolUnavailableException("restarting");
                        }
                        yield text("flaky ok");
                    }
                    case "down" -> throw new ToolUnavailableException("connection refused");
                    case "big" -> text("x".repeat(500_000));
                    default -> throw new IllegalArgumentException(tool);
                };
            } finally {
                inFlight.decrementAndGet();
            }
        }

        private static CallToolResult text(String s) {
            return CallToolResult.builder().addTextContent(s).build();
        }
    }

    private static ToolCall call(String id, String name, String args) {
        return new ToolCall(id, name, args);
    }

    @Test
    void aBatchWithOneSlowAndOneFailingCallReturnsEveryResultInOrderAndTheSlowOneLast() throws Exception {
        Scripted s = new Scripted("a");
        ParallelToolExecutor ex = new ParallelToolExecutor(new LiveCatalogue(List.of(s)));
        List<ToolCall> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(call("c" + i, i == 2 ? "slow" : i == 5 ? "fail" : "echo", "{\"n\":" + i + "}"));
        }
        List<String> finished = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch othersDone = new CountDownLatch(7);
        try (ToolExecutor.Turn turn = ex.begin(e -> {
            if (e instanceof ToolEvent.Finished f) {
                finished.add(f.result().call().id());
                othersDone.countDown();
            }
        })) {
            calls.forEach(turn::start);
            // the seven others finish while the slow one is still held
            assertTrue(othersDone.await(30, TimeUnit.SECONDS));
            assertTrue(!finished.contains("c2"));
            s.release.countDown();
            List<ToolCallResult> results = turn.finish(calls);
            assertEquals(8, results.size());
            for (int i = 0; i < 8; i++) {
                assertEquals("c" + i, results.get(i).call().id());
            }
            assertEquals(ToolOutcome.OK, results.get(2).outcome());
            assertEquals("slow done", results.get(2).text());
            assertEquals(ToolOutcome.TOOL_ERROR, results.get(5).outcome());
            assertEquals("echo 7", results.get(7).text());
            assertEquals("c2", finished.getLast());
        }
    }

    @Test
    void unknownNamesAndBadArgumentsComeBackAsErrorResults() throws Exception {
        ParallelToolExecutor ex = new ParallelToolExecutor(new LiveCatalogue(List.of(new Scripted("a"))));
        List<ToolCallResult> r = ex.runAll(List.of(call("1", "ecko", "{}"), call("2", "echo", "{\"n\":\"x\"}"),
                call("3", "echo", "{not json")), e -> { });
        assertEquals(ToolOutcome.UNKNOWN_TOOL, r.get(0).outcome());
        assertTrue(r.get(0).text().contains("did you mean 'echo'"), r.get(0).text());
        assertEquals(ToolOutcome.INVALID_ARGUMENTS, r.get(1).outcome());
        assertTrue(r.get(1).text().contains("'n'"), r.get(1).text());
        assertEquals(ToolOutcome.INVALID_ARGUMENTS, r.get(2).outcome());
    }

    @Test
    void aCallPastItsTimeoutIsInterruptedAndTheOthersComeBack() throws Exception {
        Scripted s = new Scripted("a");
        McpServerSettings cfg = new McpServerSettings("a", new dev.kairos.transports.ServerEndpoint.Stdio("x", null, null, null),
                true, null, null, null, Map.of("hang", Duration.ofMillis(300)), null, null, null, false);
        ParallelToolExecutor ex = new ParallelToolExecutor(new LiveCatalogue(List.of(s), Map.of("a", cfg), Duration.ofSeconds(60)));
        List<ToolCallResult> r = ex.runAll(List.of(call("1", "hang", "{}"), call("2", "echo", "{\"n\":1}")), e -> { });
        assertEquals(ToolOutcome.TIMEOUT, r.get(0).outcome());
        assertTrue(r.get(0).text().contains("timed out after 300 ms"), r.get(0).text());
        assertEquals(ToolOutcome.OK, r.get(1).outcome());
        assertTrue(s.interrupted.await(10, TimeUnit.SECONDS), "the provider saw the cancellation");
    }

    @Test
    void aTurnsOnlyCallRunsOnTheCallersThreadAndItsTimeoutLeavesNoInterruptBehind() throws Exception {
        Scripted s = new Scripted("a");
        McpServerSettings cfg = new McpServerSettings("a", new dev.kairos.transports.ServerEndpoint.Stdio("x", null, null, null),
                true, null, null, null, Map.of("hang", Duration.ofMillis(300)), null, null, null, false);
        ParallelToolExecutor ex = new ParallelToolExecutor(new LiveCatalogue(List.of(s), Map.of("a", cfg), Duration.ofSeconds(60)));
        try (ToolExecutor.Turn turn = ex.begin(e -> { })) {
            ToolCallResult r = turn.finish(List.of(call("1", "hang", "{}"))).getFirst();
            assertEquals(ToolOutcome.TIMEOUT, r.outcome());
            assertEquals(Thread.currentThread(), s.lastThread, "no thread of its own for a turn's only call");
            assertTrue(s.interrupted.await(10, TimeUnit.SECONDS), "the provider saw the cancellation");
        }
        assertFalse(Thread.currentThread().isInterrupted(), "the timeout's interrupt was for the call, not for the caller");
        try (ToolExecutor.Turn turn = ex.begin(e -> { })) {
            assertEquals("echo 4", turn.finish(List.of(call("2", "echo", "{\"n\":4}"))).getFirst().text());
        }
    }

    @Test
    void cancellingATurnWhoseOnlyCallRunsOnTheCallersThreadReturnsItCancelled() throws Exception {
        Scripted s = new Scripted("a");
        ParallelToolExecutor ex = new ParallelToolExecutor(new LiveCatalogue(List.of(s)));
        try (ToolExecutor.Turn turn = ex.begin(e -> { })) {
            Thread canceller = Thread.startVirtualThread(() -> {
                try {
                    if (s.hanging.await(10, TimeUnit.SECONDS)) {
                        turn.cancel();
                    }
                } catch (InterruptedException ignored) {
                    // the test ends
                }
            });
            assertEquals(ToolOutcome.CANCELLED, turn.finish(List.of(call("1", "hang", "{}"))).getFirst().outcome());
            canceller.join(10_000);
        }
        assertTrue(s.interrupted.await(10, TimeUnit.SECONDS));
        assertFalse(Thread.currentThread().isInterrupted());
    }

    @Test
    void cancelStopsCallsInFlight() throws Exception {
        Scripted s = new Scripted("a");
        ParallelToolExecutor ex = new ParallelToolExecutor(new LiveCatalogue(List.of(s)));
        try (ToolExecutor.Turn turn = ex.begin(e -> { })) {
            turn.start(call("1", "hang", "{}"));
            assertTrue(s.hanging.await(10, TimeUnit.SECONDS));
            turn.cancel();
            assertEquals(ToolOutcome.CANCELLED, turn.finish(List.of(call("1", "hang", "{}"))).getFirst().outcome());
        }
        assertTrue(s.interrupted.await(10, TimeUnit.SECONDS));
    }

    @Test
    void readOnlyToolsAreRetriedAndOthersAreNot() throws Exception {
        Scripted s = new Scripted("a");
        ParallelToolExecutor ex = new ParallelToolExecutor(new LiveCatalogue(List.of(s)),
                ExecutorSettings.defaults(), ToolApproval.REFUSE);
        List<ToolCallResult> r = ex.runAll(List.of(call("1", "flaky", "{}"), call("2", "down", "{}")), e -> { });
        assertEquals(ToolOutcome.OK, r.get(0).outcome());
        assertEquals(2, r.get(0).attempts());
        assertEquals(ToolOutcome.UNAVAILABLE, r.get(1).outcome());
        assertEquals(1, r.get(1).attempts());
    }

    @Test
    void anOpenBreakerAnswersAtOnce() throws Exception {
        Scripted s = new Scripted("a");
        ParallelToolExecutor ex = new ParallelToolExecutor(new LiveCatalogue(List.of(s)));
        for (int i = 0; i < 6; i++) {
            ex.runAll(List.of(call("d" + i, "down", "{}")), e -> { });
        }
        assertEquals("OPEN", ex.breakerState("a"));
        ToolCallResult r = ex.runAll(List.of(call("x", "echo", "{}")), e -> { }).getFirst();
        assertEquals(ToolOutcome.UNAVAILABLE, r.outcome());
        assertTrue(r.text().contains("server a is unavailable"), r.text());
        assertEquals(0, r.attempts());
    }

    @Test
    void theServerBoundHoldsCallsBack() throws Exception {
        Scripted s = new Scripted("a");
        McpServerSettings cfg = new McpServerSettings("a", new dev.kairos.transports.ServerEndpoint.Stdio("x", null, null, null),
                true, null, null, null, null, 2, null, null, false);
        ParallelToolExecutor ex = new ParallelToolExecutor(new LiveCatalogue(List.of(s), Map.of("a", cfg), Duration.ofSeconds(60)));
        List<ToolCall> calls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            calls.add(call("s" + i, "slow", "{}"));
        }
        try (ToolExecutor.Turn turn = ex.begin(e -> { })) {
            calls.forEach(turn::start);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (s.inFlight.get() < 2 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            s.release.countDown();
            assertTrue(turn.finish(calls).stream().allMatch(r -> r.outcome() == ToolOutcome.OK));
        }
        assertEquals(2, s.maxInFlight.get());
    }

    @Test
    void hugeResultsAreCutWithANoteAndProgressIsPassedOn() throws Exception {
        ParallelToolExecutor ex = new ParallelToolExecutor(new LiveCatalogue(List.of(new Scripted("a"))));
        List<ToolEvent> events = Collections.synchronizedList(new ArrayList<>());
        List<ToolCallResult> r = ex.runAll(List.of(call("1", "big", "{}"), call("2", "echo", "{}")), events::add);
        assertTrue(r.get(0).text().endsWith("[result cut: 100000 of 500000 characters shown]"));
        assertTrue(events.stream().anyMatch(e -> e instanceof ToolEvent.Progress p && p.call().id().equals("2")));
    }

    @Test
    void toolsNeedingConfirmationAreRefusedWithoutApproval() throws Exception {
        McpServerSettings cfg = new McpServerSettings("a", new dev.kairos.transports.ServerEndpoint.Stdio("x", null, null, null),
                true, null, null, null, null, null, null, java.util.Set.of("echo"), false);
        LiveCatalogue cat = new LiveCatalogue(List.of(new Scripted("a")), Map.of("a", cfg), Duration.ofSeconds(60));
        assertEquals(ToolOutcome.REFUSED, new ParallelToolExecutor(cat).runAll(List.of(call("1", "echo", "{}")), e -> { })
                .getFirst().outcome());
        assertEquals(ToolOutcome.OK, new ParallelToolExecutor(cat, ExecutorSettings.defaults(), ToolApproval.ALLOW)
                .runAll(List.of(call("1", "echo", "{}")), e -> { }).getFirst().outcome());
    }
}
