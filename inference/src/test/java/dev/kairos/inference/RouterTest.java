package dev.kairos.inference;

import dev.kairos.inference.EngineInfo.Capability;
import dev.kairos.inference.InferenceSettings.Endpoint;
import dev.kairos.inference.InferenceSettings.Engine;
import dev.kairos.inference.InferenceSettings.Provider;
import dev.kairos.inference.InferenceSettings.Role;
import dev.kairos.inference.sim.EngineSimulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.kairos.inference.Fixtures.EXPECTED;
import static dev.kairos.inference.Fixtures.withoutIds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Routing by role and capability, least in-flight first, fallback on failure; usage per endpoint. */
class RouterTest {
    private static final Engines ENGINES = new Engines();
    private static final ExecutorService THREADS = Executors.newVirtualThreadPerTaskExecutor();
    private static final InferenceSettings.Retry ONCE = new InferenceSettings.Retry(1, Duration.ofMillis(10), Duration.ofMillis(10));

    @AfterAll
    static void close() {
        ENGINES.close();
        THREADS.shutdownNow();
    }

    private static EndpointClient client(String name, EngineSimulator sim, Role role) {
        Endpoint e = Fixtures.endpoint(sim.url(), Provider.OPENAI, Engine.VLLM).withName(name).withRole(role).withRetry(ONCE);
        return ENGINES.endpoint(e);
    }

    @Test
    void roleChoosesTheModelAndUsageIsCountedPerEndpoint() {
        try (EngineSimulator small = EngineSimulator.start("sim/llamacpp.json");
             EngineSimulator large = EngineSimulator.start("sim/vllm.json")) {
            Router router = new Router(List.of(client("small", small, Role.SMALL), client("large", large, Role.LARGE)), Map.of());
            router.forRole(Role.LARGE).stream(Fixtures.weatherAndTime(), StreamListener.IGNORE);
            router.forRole(Role.SMALL).stream(Fixtures.weatherAndTime(), StreamListener.IGNORE);
            router.forRole(Role.SMALL).stream(Fixtures.weatherAndTime(), StreamListener.IGNORE);
            assertEquals(1, large.received("/v1/chat/completions").size());
            assertEquals(2, small.received("/v1/chat/completions").size());

            UsageMeter.EndpointUsage l = ENGINES.usage().snapshot().get("large");
            assertEquals(1, l.calls());
            assertEquals(212, l.promptTokens());
            assertEquals(38, l.completionTokens());
            assertTrue(l.meanTimeToFirstToken().compareTo(Duration.ZERO) > 0);
        }
    }

    @Test
    void fallsBackWhenAnEndpointRefusesOrIsDown() {
        try (EngineSimulator refusing = EngineSimulator.start("sim/bad-request.json");
             EngineSimulator down = EngineSimulator.start("sim/always-503.json");
             EngineSimulator good = EngineSimulator.start("sim/sglang.json")) {
            Router router = new Router(List.of(client("refusing", refusing, Role.ANY), client("down", down, Role.ANY),
                    client("good", good, Role.ANY)), Map.of());
            ChatResponse r = router.stream(Fixtures.weatherAndTime(), StreamListener.IGNORE);
            assertEquals(EXPECTED, withoutIds(r.toolCalls()));
            assertEquals(1, refusing.received().size());
            assertEquals(1, down.received().size());
        }
    }

    @Test
    void skipsEndpointsWithoutTheNeededCapability() {
        try (EngineSimulator noTools = EngineSimulator.start("sim/vllm.json");
             EngineSimulator tools = EngineSimulator.start("sim/llamacpp.json")) {
            Router router = new Router(List.of(client("no-tools", noTools, Role.ANY), client("tools", tools, Role.ANY)),
                    Map.of("no-tools", Set.of(Capability.STRUCTURED_OUTPUT), "tools", Set.of(Capability.TOOLS)));
            router.stream(Fixtures.weatherAndTime(), StreamListener.IGNORE);
            assertEquals(0, noTools.received().size());
            router.stream(ChatRequest.of(Message.user("hi")), StreamListener.IGNORE);
            assertEquals(1, noTools.received().size(), "a request without tools may go to the first endpoint");
        }
    }

    @Test
    void leastInFlightFirst() throws Exception {
        try (EngineSimulator busy = EngineSimulator.start("sim/vllm-long-stream.json");
             EngineSimulator idle = EngineSimulator.start("sim/vllm.json")) {
            EndpointClient a = client("a", busy, Role.ANY);
            EndpointClient b = client("b", idle, Role.ANY);
            Router router = new Router(List.of(a, b), Map.of());
            CountDownLatch streaming = new CountDownLatch(1);
            Future<ChatResponse> longCall = THREADS.submit(() -> router.stream(Fixtures.weatherAndTime(), e -> streaming.countDown()));
            assertTrue(streaming.await(10, TimeUnit.SECONDS));
            assertEquals(List.of(b, a), router.candidates(Fixtures.weatherAndTime()));
            router.stream(Fixtures.weatherAndTime(), StreamListener.IGNORE);
            assertEquals(1, idle.received().size());
            longCall.cancel(true);
            assertTrue(busy.awaitDisconnect(Duration.ofSeconds(10)));
        }
    }
}
