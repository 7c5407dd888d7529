package dev.kairos.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.Engines;
import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.inference.sim.SimScript;
import dev.kairos.memory.MemoryGraph;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static dev.kairos.agent.LocalTools.ok;
import static dev.kairos.agent.LocalTools.tool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoints in embedded Neo4j (through the driver), sessions, and resume after the process stopped. */
@ExtendWith(AgentGraph.class)
class CheckpointTest {
    private static MemoryGraph graph;
    private final Engines engines = new Engines();
    private EngineSimulator sim;
    private final AtomicInteger lookups = new AtomicInteger();
    private final AtomicInteger charges = new AtomicInteger();

    /**
     * The store as a crash leaves it: once {@code crashAt} matches a checkpoint, nothing later is
     * committed (the process is gone), though the test's run still winds down in memory.
     */
    static final class CrashingStore implements RunStore {
        final RunStore real;
        final Predicate<Checkpoint> crashAt;
        final AtomicBoolean crashed = new AtomicBoolean();

        CrashingStore(RunStore real, Predicate<Checkpoint> crashAt) {
            this.real = real;
            this.crashAt = crashAt;
        }

        @Override
        public void save(Checkpoint c) {
            if (!crashed.get()) {
                real.save(c);
                if (crashAt.test(c)) {
                    crashed.set(true);
                }
            }
        }

        @Override
        public Optional<Checkpoint> load(String runId) {
            return real.load(runId);
        }

        @Override
        public List<Summary> list(int limit) {
            return real.list(limit);
        }

        @Override
        public Optional<Conversation> session(String name) {
            return real.session(name);
        }
    }

    @BeforeAll
    static void open(MemoryGraph shared) {
        graph = shared;
    }

    @AfterEach
    void close() {
        if (sim != null) {
            sim.close();
        }
        engines.close();
    }

    private LocalTools tools() {
        String obj = "{\"type\":\"object\"}";
        return new LocalTools(LocalTools.provider("shop", List.of(
                tool("lookup", obj, LocalTools.READ_ONLY), tool("charge", obj, LocalTools.DESTRUCTIVE)),
                (name, args) -> {
                    if (name.equals("lookup")) {
                        return ok("price 5 (lookup " + lookups.incrementAndGet() + ")");
                    }
                    charges.incrementAndGet();
                    return ok("charged");
                }));
    }

    private Agent agent(LocalTools tools, RunStore store) {
        return new Agent(Sims.client(engines, sim.url()), null, tools, tools, Approver.APPROVE_ALL, store);
    }

    @Test
    void aRunStoppedDuringAToolCallResumesRerunningOnlyTheSafeCall() throws Exception {
        sim = new SimScript().calls("lookup", "{}", "charge", "{}").text("Looked up; the charge may or may not have gone through.").start();
        RunStore store = RunStore.inGraph(graph.runs());
        // The crash comes while the calls are in flight, after the charge was approved.
        CrashingStore crashing = new CrashingStore(store, c -> !c.inFlight().isEmpty() && !c.approvals().isEmpty());
        LocalTools tools = tools();
        RunResult before = agent(tools, crashing).run(RunRequest.of("buy it").withRunId("run-crash-1")
                .withConversation(Conversation.start("shop-1")), null);
        assertEquals(Termination.ANSWERED, before.termination(), "the run itself went on in memory");
        assertEquals(1, charges.get());
        Checkpoint stored = store.load("run-crash-1").orElseThrow();
        assertEquals(2, stored.inFlight().size(), "the checkpoint holds the calls in flight");
        assertTrue(stored.termination() == null);

        sim.close();
        sim = new SimScript().text("Looked up; the charge may or may not have gone through.").start();
        RunResult after = agent(tools, store).resume("run-crash-1", null).await(Duration.ofSeconds(60));
        assertEquals(Termination.ANSWERED, after.termination(), after.detail());
        assertEquals(1, charges.get(), "the destructive call was not run again");
        assertEquals(2, lookups.get(), "the read-only call was");
        ToolCallResult charge = after.calls().stream().filter(c -> c.call().name().equals("charge"))
                .reduce((a, b) -> b).orElseThrow();
        assertEquals(ToolOutcome.INTERRUPTED, charge.outcome());
        // the model got the assistant turn with both results together
        JsonNode msgs = sim.received("/v1/chat/completions").getLast().json().path("messages");
        assertEquals(5, msgs.size(), msgs.toPrettyString());
        assertTrue(msgs.get(4).path("content").asText().contains("in flight when the run stopped"));
        assertEquals("ANSWERED", store.list(50).stream().filter(s -> s.runId().equals("run-crash-1")).findFirst().orElseThrow().status());
    }

    @Test
    void aRunStoppedBetweenStepsContinuesWithoutRepeatingTheFirst() throws Exception {
        sim = new SimScript().calls("lookup", "{}").text("It costs 5.").start();
        RunStore store = RunStore.inGraph(graph.runs());
        CrashingStore crashing = new CrashingStore(store, c -> c.step() == 1 && c.inFlight().isEmpty() && c.messages().size() == 3);
        LocalTools tools = tools();
        agent(tools, crashing).run(RunRequest.of("price?").withRunId("run-crash-2").withConversation(Conversation.start("shop-2")), null);
        assertEquals(1, lookups.get());
        sim.close();
        sim = new SimScript().text("It costs 5.").start();
        RunResult after = agent(tools, store).resume("run-crash-2", null).await(Duration.ofSeconds(60));
        assertEquals(Termination.ANSWERED, after.termination(), after.detail());
        assertEquals("It costs 5.", after.answer());
        assertEquals(1, lookups.get(), "step 1's call was not made again");
        assertEquals(2, after.steps());
    }

    @Test
    void aSessionContinuesTheConversationAndUnknownRunsAreRefused() throws Exception {
        sim = new SimScript().text("Hello Ada.").text("Your name is Ada.").start();
        RunStore store = RunStore.inGraph(graph.runs());
        LocalTools tools = tools();
        Agent agent = agent(tools, store);
        agent.run(RunRequest.of("I am Ada").withConversation(Conversation.start("ada")), null);
        Conversation ada = store.session("ada").orElseThrow();
        assertEquals(2, ada.messages().size());
        RunResult second = agent.run(RunRequest.of("What is my name?").withConversation(ada), null);
        assertEquals("Your name is Ada.", second.answer());
        JsonNode msgs = sim.received("/v1/chat/completions").get(1).json().path("messages");
        assertEquals("I am Ada", msgs.get(1).path("content").asText(), "the second run saw the first");
        assertTrue(store.session("nobody").isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> agent.resume("no-such-run", null));
        assertTrue(e.getMessage().contains("no-such-run"));
    }

    @Test
    void aRunStoppedByItsDeadlineOrCancelledCommitsHowItEnded() throws Exception {
        sim = new SimScript().raw("{\"delayFirstMs\": 60000, \"sse\": [\"[DONE]\"]}")
                .raw("{\"delayFirstMs\": 60000, \"sse\": [\"[DONE]\"]}").start();
        RunStore store = RunStore.inGraph(graph.runs());
        Agent agent = agent(tools(), store);
        RunResult late = agent.run(RunRequest.of("slow").withRunId("run-deadline")
                .withLimits(Limits.DEFAULTS.withDeadline(Duration.ofMillis(500))), null);
        assertEquals(Termination.DEADLINE, late.termination());
        assertEquals(Termination.DEADLINE, store.load("run-deadline").orElseThrow().termination(),
                "the end was committed though the run's thread had been interrupted");
        Run run = agent.start(RunRequest.of("slow").withRunId("run-cancelled"), null);
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (sim.received("/v1/chat/completions").size() < 2 && System.nanoTime() < until) {
            Thread.sleep(10); // polling with a deadline until the engine has the request
        }
        run.cancel();
        assertEquals(Termination.CANCELLED, run.await(Duration.ofSeconds(60)).termination());
        assertEquals("CANCELLED", store.list(50).stream().filter(x -> x.runId().equals("run-cancelled")).findFirst().orElseThrow().status());
    }
}
