package dev.kairos.inference;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.inference.InferenceSettings.Endpoint;
import dev.kairos.inference.InferenceSettings.Engine;
import dev.kairos.inference.InferenceSettings.Provider;
import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.inference.sim.SimScript;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.kairos.inference.Fixtures.EXPECTED;
import static dev.kairos.inference.Fixtures.withoutIds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine faults of the simulator against the Resilience4j decorators and the stream guards. */
class ResilienceTest {
    private static final Engines ENGINES = new Engines();
    private static final ExecutorService THREADS = Executors.newVirtualThreadPerTaskExecutor();
    private static final InferenceSettings.Retry FAST_RETRY =
            new InferenceSettings.Retry(3, Duration.ofMillis(10), Duration.ofSeconds(2));

    @AfterAll
    static void close() {
        ENGINES.close();
        THREADS.shutdownNow();
    }

    private static Endpoint endpoint(EngineSimulator sim, Engine engine) {
        return Fixtures.endpoint(sim.url(), Provider.OPENAI, engine).withRetry(FAST_RETRY);
    }

    @Test
    void aConnectTimeoutIsAFailedConnectionThatIsRetriedNotASlowAnswer() throws Exception {
        // A listening socket whose accept queue is full: the kernel drops further handshakes, so a
        // connect waits until its timeout and nothing is ever sent.
        try (var full = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    var s = new java.net.Socket();
                    try {
                        s.connect(full.getLocalSocketAddress(), 200);
                    } catch (java.io.IOException queueFull) {
                        s.close();
                        continue;
                    }
                    fillers.add(s);
                }
                Endpoint endpoint = Fixtures.endpoint(java.net.URI.create("http://127.0.0.1:" + full.getLocalPort()), Provider.OPENAI, Engine.VLLM)
                        .withTimeouts(new InferenceSettings.Timeouts(Duration.ofMillis(300), Duration.ofSeconds(5),
                                Duration.ofSeconds(10), Duration.ofSeconds(5)))
                        .withRetry(new InferenceSettings.Retry(2, Duration.ofMillis(10), Duration.ofSeconds(1)));
                EndpointClient client = ENGINES.endpoint(endpoint);
                var e = assertThrows(EngineException.ConnectionLost.class,
                        () -> client.stream(Fixtures.weatherAndTime(), StreamListener.IGNORE));
                assertTrue(e.getMessage().contains("could not connect"), e.getMessage());
                assertEquals(1, client.retry().getMetrics().getNumberOfFailedCallsWithRetryAttempt(), "retried once, then gave up");
            } finally {
                for (var s : fillers) {
                    s.close();
                }
            }
        }
    }

    @Test
    void retriesWhileLlamaCppLoadsTheModel() {
        try (EngineSimulator sim = EngineSimulator.start("sim/llamacpp.json", "sim/llamacpp-loading.json")) {
            EndpointClient client = ENGINES.endpoint(endpoint(sim, Engine.LLAMA_CPP));
            ChatResponse r = client.stream(Fixtures.weatherAndTime(), StreamListener.IGNORE);
            assertEquals(EXPECTED, withoutIds(r.toolCalls()));
            assertEquals(3, sim.received("/v1/chat/completions").size(), "two 503 'Loading model', then the answer");
            assertEquals(1, client.retry().getMetrics().getNumberOfSuccessfulCallsWithRetryAttempt());
        }
    }

    @Test
    void honoursRetryAfterOn429() {
        try (EngineSimulator sim = EngineSimulator.start("sim/vllm.json", "sim/vllm-429.json")) {
            EndpointClient client = ENGINES.endpoint(endpoint(sim, Engine.VLLM));
            List<Duration> waits = new ArrayList<>();
            client.retry().getEventPublisher().onRetry(e -> waits.add(e.getWaitInterval()));
            ChatResponse r = client.stream(Fixtures.weatherAndTime(), StreamListener.IGNORE);
            assertEquals(EXPECTED, withoutIds(r.toolCalls()));
            assertEquals(List.of(Duration.ofSeconds(1)), waits, "Retry-After: 1 beats the 10 ms backoff");
        }
    }

    @Test
    void streamCutMidCallFailsWithoutReportingTheHalfCall() {
        try (EngineSimulator sim = EngineSimulator.start("sim/vllm-cut.json")) {
            List<StreamEvent> events = new ArrayList<>();
            ChatClient plain = ENGINES.provider(endpoint(sim, Engine.VLLM));
            EngineException.ConnectionLost e = assertThrows(EngineException.ConnectionLost.class,
                    () -> plain.stream(Fixtures.weatherAndTime(), events::add));
            assertTrue(e.getMessage().contains("cut"), e.getMessage());
            assertTrue(events.isEmpty(), "a half-streamed call is never reported: " + events);

            EndpointClient resilient = ENGINES.endpoint(endpoint(sim, Engine.VLLM));
            assertThrows(EngineException.ConnectionLost.class,
                    () -> resilient.stream(Fixtures.weatherAndTime(), StreamListener.IGNORE));
            assertEquals(1 + FAST_RETRY.maxAttempts(), sim.received("/v1/chat/completions").size(),
                    "nothing was delivered, so the cut call is retried");
        }
    }

    @Test
    void slowFirstTokenTimesOutAndClosesTheStream() throws InterruptedException {
        try (EngineSimulator sim = EngineSimulator.start("sim/vllm-slow-first-token.json")) {
            Endpoint e = endpoint(sim, Engine.VLLM).withTimeouts(new InferenceSettings.Timeouts(
                    Duration.ofSeconds(2), Duration.ofMillis(300), Duration.ofSeconds(60), Duration.ofSeconds(1)));
            EngineException.TimedOut t = assertThrows(EngineException.TimedOut.class,
                    () -> ENGINES.endpoint(e).stream(Fixtures.weatherAndTime(), StreamListener.IGNORE));
            assertTrue(t.getMessage().contains("first token"), t.getMessage());
            assertTrue(sim.awaitDisconnect(Duration.ofSeconds(10)), "the engine sees the connection closed");
            assertEquals(1, sim.received("/v1/chat/completions").size(), "a timeout is not retried");
        }
    }

    @Test
    void totalTimeLimitCancelsALongStream() throws InterruptedException {
        try (EngineSimulator sim = EngineSimulator.start("sim/vllm-long-stream.json")) {
            Endpoint e = endpoint(sim, Engine.VLLM).withTimeouts(new InferenceSettings.Timeouts(
                    Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofMillis(400), Duration.ofSeconds(1)));
            EngineException.TimedOut t = assertThrows(EngineException.TimedOut.class,
                    () -> ENGINES.endpoint(e).stream(Fixtures.weatherAndTime(), StreamListener.IGNORE));
            assertTrue(t.getMessage().contains("complete answer"), t.getMessage());
            assertTrue(sim.awaitDisconnect(Duration.ofSeconds(10)));
        }
    }

    @Test
    void interruptingTheCallerClosesTheStream() throws Exception {
        // on a virtual thread the exchange runs on the caller; a platform thread waits for one that runs it
        ExecutorService platform = Executors.newCachedThreadPool();
        try {
            for (ExecutorService callers : List.of(THREADS, platform)) {
                for (boolean resilient : new boolean[]{false, true}) {
                    try (EngineSimulator sim = EngineSimulator.start("sim/vllm-long-stream.json")) {
                        ChatClient client = resilient ? ENGINES.endpoint(endpoint(sim, Engine.VLLM))
                                : ENGINES.provider(endpoint(sim, Engine.VLLM));
                        CountDownLatch streaming = new CountDownLatch(1);
                        Future<ChatResponse> call = callers.submit(() -> client.stream(Fixtures.weatherAndTime(),
                                e -> streaming.countDown()));
                        assertTrue(streaming.await(10, TimeUnit.SECONDS));
                        call.cancel(true);
                        String which = "resilient=" + resilient + ", platform thread=" + (callers == platform);
                        assertTrue(sim.awaitDisconnect(Duration.ofSeconds(10)), "cancel frees the engine's slot (" + which + ")");
                    }
                }
            }
        } finally {
            platform.shutdownNow();
        }
    }

    @Test
    void aKeptAliveConnectionTheEngineClosedMeanwhileCostsNoFailedCall() {
        // vLLM (uvicorn) and llama.cpp close a kept-alive connection after about 5 s idle, e.g. while an agent
        // waits on a slow tool; the next request must not fail, nor need an engine-level retry
        var routes = new SimScript().text("one").text("two").routes();
        ((ObjectNode) routes.get("POST /v1/chat/completions").get(0)).put("closeIdle", true);
        try (EngineSimulator sim = EngineSimulator.start(routes, 0)) {
            EndpointClient client = ENGINES.endpoint(Fixtures.endpoint(sim.url(), Provider.OPENAI, Engine.VLLM).withRetry(FAST_RETRY));
            assertEquals("one", client.stream(Fixtures.weatherAndTime(), StreamListener.IGNORE).content());
            assertEquals("two", client.stream(Fixtures.weatherAndTime(), StreamListener.IGNORE).content());
            assertEquals(2, sim.connections(), "a new connection for the second request");
            assertEquals(2, sim.received("/v1/chat/completions").size(), "each request reached the engine once");
            assertEquals(0, client.retry().getMetrics().getNumberOfSuccessfulCallsWithRetryAttempt());
        }
    }

    @Test
    void circuitOpensAfterRepeatedFailures() {
        try (EngineSimulator sim = EngineSimulator.start("sim/always-503.json")) {
            EndpointClient client = ENGINES.endpoint(endpoint(sim, Engine.GENERIC)
                    .withRetry(new InferenceSettings.Retry(1, Duration.ofMillis(10), Duration.ofMillis(10))));
            for (int i = 0; i < 5; i++) {
                assertThrows(EngineException.Unavailable.class, () -> client.chat(Fixtures.weatherAndTime()));
            }
            assertEquals(CircuitBreaker.State.OPEN, client.circuitBreaker().getState());
            EngineException.NoEndpoint open = assertThrows(EngineException.NoEndpoint.class,
                    () -> client.chat(Fixtures.weatherAndTime()));
            assertTrue(open.getMessage().contains("circuit open"));
            assertEquals(5, sim.received("/v1/chat/completions").size(), "an open circuit sends nothing");
        }
    }

    @Test
    void bulkheadBoundsCallsToTheEngineSlots() throws Exception {
        try (EngineSimulator sim = EngineSimulator.start("sim/vllm-long-stream.json")) {
            EndpointClient client = ENGINES.endpoint(endpoint(sim, Engine.VLLM).withParallelSlots(1)
                    .withTimeouts(new InferenceSettings.Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(10),
                            Duration.ofSeconds(120), Duration.ofMillis(100))));
            CountDownLatch streaming = new CountDownLatch(1);
            Future<ChatResponse> first = THREADS.submit(() -> client.stream(Fixtures.weatherAndTime(), e -> streaming.countDown()));
            assertTrue(streaming.await(10, TimeUnit.SECONDS));
            assertEquals(1, client.inFlight());
            EngineException.NoEndpoint busy = assertThrows(EngineException.NoEndpoint.class,
                    () -> client.chat(Fixtures.weatherAndTime()));
            assertTrue(busy.getMessage().contains("slots"), busy.getMessage());
            first.cancel(true);
            assertTrue(sim.awaitDisconnect(Duration.ofSeconds(10)));
        }
    }
}
