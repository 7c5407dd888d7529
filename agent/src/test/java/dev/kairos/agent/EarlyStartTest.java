package dev.kairos.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.Engines;
import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.inference.sim.SimScript;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.kairos.agent.LocalTools.ok;
import static dev.kairos.agent.LocalTools.tool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Read-only calls start while the model is still talking. The simulator holds the rest of its stream
 * at a gate; a tool records, when it starts, whether the stream was still held there, so "started
 * before the turn ended" is checked by order, not by time.
 */
class EarlyStartTest {
    private static final String PATH = "/v1/chat/completions";
    private static final String GATE = "talking";
    private final Engines engines = new Engines();
    private EngineSimulator sim;
    /** For each call, in start order: "name q held|after". */
    private final List<String> starts = new CopyOnWriteArrayList<>();
    private final CountDownLatch slowCancelled = new CountDownLatch(1);

    @AfterEach
    void close() {
        if (sim != null) {
            sim.close();
        }
        engines.close();
    }

    /** fetch (read-only) opens the gate; write_note changes things; slow_fetch (read-only) waits until cancelled. */
    private LocalTools tools() {
        String q = "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}},\"required\":[\"q\"]}";
        return new LocalTools(LocalTools.provider("local", List.of(
                tool("fetch", q, LocalTools.READ_ONLY),
                tool("slow_fetch", q, LocalTools.READ_ONLY),
                tool("write_note", q, LocalTools.HARMLESS)),
                (name, args) -> {
                    EngineSimulator.Gate gate = sim.gate(GATE);
                    starts.add(name + " " + args.path("q").asText() + " " + (gate.passed() ? "after" : "held"));
                    gate.open();
                    if (name.equals("slow_fetch")) {
                        try {
                            new CountDownLatch(1).await(10, TimeUnit.SECONDS); // until the run cancels it
                        } catch (InterruptedException e) {
                            slowCancelled.countDown();
                            throw e;
                        }
                    }
                    return ok(name + " " + args.path("q").asText() + " done");
                }));
    }

    private Agent agent() {
        LocalTools tools = tools();
        return new Agent(Sims.client(engines, sim.url()), tools, tools, Approver.REFUSE);
    }

    @Test
    void aReadOnlyCallStartsWhileTheModelIsStillTalkingAndItsResultJoinsTheTurn() throws Exception {
        // write_note and fetch a are complete at the gate; fetch b completes only when the stream ends
        sim = new SimScript().callsHeld(GATE, 10_000, 2, "write_note", "{\"q\":\"n\"}", "fetch", "{\"q\":\"a\"}",
                "fetch", "{\"q\":\"b\"}").text("Done.").start();
        RunResult r = agent().run(RunRequest.of("fetch and note"), null);
        assertEquals(Termination.ANSWERED, r.termination(), r.detail());
        assertFalse(sim.gate(GATE).timedOut(), "the gate was opened by the early call, not by its bound");
        assertTrue(starts.contains("fetch a held"), "fetch a started while the stream was held: " + starts);
        assertTrue(starts.contains("write_note n after"), "write_note waited for the end of the turn: " + starts);
        assertTrue(starts.contains("fetch b after"), starts.toString());
        // the assistant turn and all three results enter the history together, in the model's order
        JsonNode second = sim.received(PATH).get(1).json().path("messages");
        assertEquals(6, second.size(), second.toPrettyString());
        JsonNode assistant = second.get(2);
        List<String> results = List.of("write_note n done", "fetch a done", "fetch b done");
        for (int i = 0; i < 3; i++) {
            assertEquals(assistant.path("tool_calls").get(i).path("id").asText(), second.get(3 + i).path("tool_call_id").asText());
            assertEquals(results.get(i), second.get(3 + i).path("content").asText());
        }
        assertEquals(3, r.calls().size(), "each call recorded once: " + r.calls());
        assertTrue(r.calls().stream().allMatch(c -> c.outcome() == ToolOutcome.OK));
    }

    @Test
    void aCallThatChangesThingsDoesNotStartBeforeTheTurnEnds() throws Exception {
        // write_note is complete at the gate; nothing read-only is, so nothing may open it before its bound
        sim = new SimScript().callsHeld(GATE, 500, 1, "write_note", "{\"q\":\"n\"}", "fetch", "{\"q\":\"b\"}")
                .text("Done.").start();
        RunResult r = agent().run(RunRequest.of("note"), null);
        assertEquals(Termination.ANSWERED, r.termination(), r.detail());
        assertTrue(sim.gate(GATE).timedOut(), "no call started while the stream was held: " + starts);
        assertEquals(List.of("after", "after"), starts.stream().map(s -> s.substring(s.lastIndexOf(' ') + 1)).toList(), starts.toString());
    }

    @Test
    void aTurnThatFailsDropsWhatStartedEarlyAndCancelsWhatIsStillRunning() throws Exception {
        // slow_fetch starts at the gate, then the stream is cut: the step is tried again with an unchanged history
        sim = new SimScript().callsCut(GATE, 10_000, 1, "slow_fetch", "{\"q\":\"s\"}", "fetch", "{\"q\":\"b\"}")
                .text("Recovered.").start();
        List<RunEvent> events = new CopyOnWriteArrayList<>();
        RunResult r = agent().run(RunRequest.of("fetch slowly"), events::add);
        assertEquals(Termination.ANSWERED, r.termination(), r.detail());
        assertEquals("Recovered.", r.answer());
        assertEquals(List.of("slow_fetch s held"), starts, "it had started early");
        assertTrue(slowCancelled.await(10, TimeUnit.SECONDS), "the call still running was cancelled");
        assertTrue(r.calls().isEmpty(), "its result was dropped: " + r.calls());
        JsonNode retried = sim.received(PATH).get(1).json().path("messages");
        assertEquals(2, retried.size(), "system and user only: " + retried.toPrettyString());
        assertFalse(retried.toString().contains("slow_fetch"), retried.toString());
        assertTrue(r.conversation().messages().stream().noneMatch(m -> m instanceof dev.kairos.inference.Message.ToolResult));
        assertTrue(events.stream().anyMatch(e -> e instanceof RunEvent.ToolCallStarted s && s.call().name().equals("slow_fetch")));
    }
}
