package dev.kairos.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.inference.Engines;
import dev.kairos.inference.InferenceSettings;
import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.inference.sim.SimScript;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.kairos.agent.LocalTools.ok;
import static dev.kairos.agent.LocalTools.tool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReactLoopTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "/v1/chat/completions";
    private final Engines engines = new Engines();
    private EngineSimulator sim;
    private final CountDownLatch lookupDone = new CountDownLatch(1);

    @AfterEach
    void close() {
        if (sim != null) {
            sim.close();
        }
        engines.close();
    }

    /** lookup (read-only, answers at once), slow_report (waits until lookup finished), broken (fails), add (typed). */
    private LocalTools tools() {
        return new LocalTools(LocalTools.provider("local", List.of(
                tool("lookup", "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}},\"required\":[\"q\"]}", LocalTools.READ_ONLY),
                tool("slow_report", "{\"type\":\"object\"}", LocalTools.READ_ONLY),
                tool("broken", "{\"type\":\"object\"}", LocalTools.HARMLESS),
                tool("add", "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"integer\"}},\"required\":[\"a\",\"b\"]}", LocalTools.READ_ONLY)),
                (name, args) -> switch (name) {
                    case "lookup" -> ok("found " + args.path("q").asText());
                    case "slow_report" -> lookupDone.await(10, TimeUnit.SECONDS) ? ok("report ready")
                            : LocalTools.error("lookup never finished while the report waited");
                    case "broken" -> LocalTools.error("disk quota exceeded");
                    case "add" -> ok(String.valueOf(args.path("a").asInt() + args.path("b").asInt()));
                    default -> LocalTools.error("no such tool " + name);
                }));
    }

    private Agent agent(LocalTools tools) {
        return new Agent(Sims.client(engines, sim.url()), tools, tools, Approver.REFUSE);
    }

    private List<JsonNode> requests() {
        return sim.received(PATH).stream().map(EngineSimulator.Received::json).toList();
    }

    @Test
    void aParallelTurnWithASlowAndAFailingCallKeepsEveryResultInOrder() throws Exception {
        sim = new SimScript().calls("lookup", "{\"q\":\"a\"}", "slow_report", "{}", "broken", "{}").text("All done.").start();
        LocalTools tools = tools();
        List<RunEvent> events = new CopyOnWriteArrayList<>();
        RunResult r = agent(tools).run(RunRequest.of("make the report"), e -> {
            events.add(e);
            if (e instanceof RunEvent.ToolCallFinished f && f.result().call().name().equals("lookup")) {
                lookupDone.countDown();
            }
        });
        assertEquals(Termination.ANSWERED, r.termination(), r.detail());
        assertEquals("All done.", r.answer());
        assertEquals(2, r.steps());
        JsonNode second = requests().get(1).path("messages");
        // system, user, the assistant turn and its three results together, in the model's order, ids matched
        assertEquals(6, second.size(), second.toPrettyString());
        JsonNode assistant = second.get(2);
        assertEquals(3, assistant.path("tool_calls").size());
        for (int i = 0; i < 3; i++) {
            assertEquals("tool", second.get(3 + i).path("role").asText());
            assertEquals(assistant.path("tool_calls").get(i).path("id").asText(), second.get(3 + i).path("tool_call_id").asText());
        }
        assertEquals("found a", second.get(3).path("content").asText());
        assertEquals("report ready", second.get(4).path("content").asText(), "the slow call saw lookup finish while it ran");
        assertTrue(second.get(5).path("content").asText().contains("disk quota exceeded"));
        assertEquals(List.of(ToolOutcome.OK, ToolOutcome.OK, ToolOutcome.TOOL_ERROR),
                List.of("lookup", "slow_report", "broken").stream().map(n -> r.calls().stream()
                        .filter(c -> c.call().name().equals(n)).findFirst().orElseThrow().outcome()).toList());
        // the typed event stream: a step, the calls started and finished, the end
        assertTrue(events.getFirst() instanceof RunEvent.StepStarted s && s.step() == 1);
        assertEquals(3, events.stream().filter(e -> e instanceof RunEvent.ToolCallStarted).count());
        assertTrue(events.stream().anyMatch(e -> e instanceof RunEvent.ContentDelta));
        assertTrue(events.getLast() instanceof RunEvent.Finished);
    }

    @Test
    void theSystemPromptAndToolsStayTheSameAndHistoryIsOnlyAppended() throws Exception {
        sim = new SimScript().calls("lookup", "{\"q\":\"a\"}").calls("lookup", "{\"q\":\"b\"}", "add", "{\"a\":1,\"b\":2}")
                .text("Done.").start();
        RunResult r = agent(tools()).run(RunRequest.of("look things up"), null);
        assertEquals(Termination.ANSWERED, r.termination(), r.detail());
        List<String> bodies = sim.received(PATH).stream().map(EngineSimulator.Received::body).toList();
        assertEquals(3, bodies.size());
        for (int i = 0; i + 1 < bodies.size(); i++) {
            JsonNode a = JSON.readTree(bodies.get(i));
            JsonNode b = JSON.readTree(bodies.get(i + 1));
            assertEquals(JSON.writeValueAsString(a.get("tools")), JSON.writeValueAsString(b.get("tools")), "tools byte-identical");
            // step n+1's messages start with step n's, byte for byte on the wire
            String prev = JSON.writeValueAsString(a.get("messages"));
            String next = JSON.writeValueAsString(b.get("messages"));
            String prefix = prev.substring(0, prev.length() - 1);
            assertTrue(next.startsWith(prefix), "step " + (i + 2) + " does not start with step " + (i + 1) + "'s prompt");
            assertTrue(b.get("messages").size() > a.get("messages").size());
        }
    }

    @Test
    void maxStepsEndsTheRun() throws Exception {
        sim = new SimScript().calls("lookup", "{\"q\":\"1\"}").calls("lookup", "{\"q\":\"2\"}").calls("lookup", "{\"q\":\"3\"}").start();
        RunResult r = agent(tools()).run(RunRequest.of("loop").withLimits(Limits.DEFAULTS.withMaxSteps(2)), null);
        assertEquals(Termination.MAX_STEPS, r.termination());
        assertEquals(2, r.steps());
        assertEquals(2, sim.received(PATH).size());
    }

    @Test
    void maxCallsPerTurnEndsTheRunWithoutRunningThem() throws Exception {
        sim = new SimScript().calls("lookup", "{\"q\":\"1\"}", "lookup", "{\"q\":\"2\"}", "lookup", "{\"q\":\"3\"}").start();
        RunResult r = agent(tools()).run(RunRequest.of("fan out").withLimits(Limits.DEFAULTS.withMaxCallsPerTurn(2)), null);
        assertEquals(Termination.MAX_CALLS_PER_TURN, r.termination());
        assertTrue(r.calls().isEmpty());
        assertTrue(r.detail().contains("3 calls"), r.detail());
    }

    @Test
    void maxCallsPerToolEndsTheRun() throws Exception {
        sim = new SimScript().calls("lookup", "{\"q\":\"1\"}").calls("lookup", "{\"q\":\"2\"}").calls("lookup", "{\"q\":\"3\"}").start();
        RunResult r = agent(tools()).run(RunRequest.of("again").withLimits(Limits.DEFAULTS.withMaxCallsPerTool(2)), null);
        assertEquals(Termination.MAX_CALLS_PER_TOOL, r.termination());
        assertEquals(2, r.calls().size());
    }

    @Test
    void aRepeatedCallIsFirstAnsweredWithAnErrorThenStopsTheRun() throws Exception {
        // the same call with its keys in another order is the same call
        sim = new SimScript().calls("add", "{\"a\":1,\"b\":2}").calls("add", "{\"b\":2,\"a\":1}").calls("add", "{\"a\":1,\"b\":2}").start();
        RunResult r = agent(tools()).run(RunRequest.of("add").withLimits(Limits.DEFAULTS.withMaxRepeats(2)), null);
        assertEquals(Termination.REPEATED_CALL, r.termination(), r.detail());
        JsonNode third = requests().get(2).path("messages");
        String warning = third.get(third.size() - 1).path("content").asText();
        assertTrue(warning.contains("was not run again"), warning);
        assertEquals(1, r.calls().stream().filter(c -> c.outcome() == ToolOutcome.OK).count());
    }

    @Test
    void aTokenBudgetEndsTheRun() throws Exception {
        sim = new SimScript().calls("lookup", "{\"q\":\"1\"}").calls("lookup", "{\"q\":\"2\"}").calls("lookup", "{\"q\":\"3\"}").start();
        RunResult r = agent(tools()).run(RunRequest.of("spend").withLimits(Limits.DEFAULTS.withTokenBudget(150)), null);
        assertEquals(Termination.TOKEN_BUDGET, r.termination());
        assertEquals(240, r.usage().totalTokens());
        assertEquals(2, r.steps());
    }

    @Test
    void aDeadlineStopsAStepInFlightAndClosesTheStream() throws Exception {
        sim = new SimScript().raw("{\"delayFirstMs\": 30000, \"sse\": [\"[DONE]\"]}").start();
        RunResult r = agent(tools()).run(RunRequest.of("wait").withLimits(Limits.DEFAULTS.withDeadline(Duration.ofMillis(300))), null);
        assertEquals(Termination.DEADLINE, r.termination(), r.detail());
        assertTrue(sim.awaitDisconnect(Duration.ofSeconds(10)), "the engine stream was closed");
    }

    @Test
    void invalidArgumentsAndAnUnknownToolComeBackAsRepairTurns() throws Exception {
        sim = new SimScript().calls("add", "{\"a\":\"two\",\"b\":2}", "lookp", "{\"q\":\"x\"}")
                .calls("add", "{\"a\":2,\"b\":2}", "lookup", "{\"q\":\"x\"}").text("2 + 2 = 4").start();
        RunResult r = agent(tools()).run(RunRequest.of("add two and two"), null);
        assertEquals(Termination.ANSWERED, r.termination(), r.detail());
        JsonNode second = requests().get(1).path("messages");
        String repair = second.get(3).path("content").asText();
        assertTrue(repair.contains("argument 'a'") && repair.contains("Call the tool again"), repair);
        String unknown = second.get(4).path("content").asText();
        assertTrue(unknown.contains("did you mean 'lookup'"), unknown);
        JsonNode third = requests().get(2).path("messages");
        assertEquals("4", third.get(6).path("content").asText());
        assertEquals(2, r.calls().stream().filter(c -> c.outcome() == ToolOutcome.OK).count());
        assertEquals(1, r.calls().stream().filter(c -> c.outcome() == ToolOutcome.INVALID_ARGUMENTS).count());
        assertEquals(1, r.calls().stream().filter(c -> c.outcome() == ToolOutcome.UNKNOWN_TOOL).count());
    }

    @Test
    void aBusyEngineIsRetriedByTheInferenceResilience() throws Exception {
        sim = new SimScript().raw("{\"status\": 503, \"json\": {\"error\": {\"message\": \"Loading model\"}}}").text("Ready now.").start();
        LocalTools tools = tools();
        Agent agent = new Agent(Sims.client(engines, sim.url(), InferenceSettings.ToolProtocol.NATIVE, 3), tools, tools, Approver.REFUSE);
        RunResult r = agent.run(RunRequest.of("hello"), null);
        assertEquals(Termination.ANSWERED, r.termination(), r.detail());
        assertEquals("Ready now.", r.answer());
    }

    @Test
    void anEngineThatIsDownEndsTheRunWithAClearReason() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        LocalTools tools = tools();
        Agent agent = new Agent(Sims.client(engines, URI.create("http://127.0.0.1:" + port)), tools, tools, Approver.REFUSE);
        RunResult r = agent.run(RunRequest.of("hello"), null);
        assertEquals(Termination.ENGINE_UNAVAILABLE, r.termination());
        assertTrue(r.detail().startsWith("engine: "), r.detail());
        assertFalse(r.detail().contains("\tat "), "no stack trace");
    }

    @Test
    void aHermesTextProtocolEngineRunsEndToEnd() throws Exception {
        sim = new SimScript().text("<tool_call>\n{\"name\": \"lookup\", \"arguments\": {\"q\": \"hermes\"}}\n</tool_call>")
                .text("Hermes says hello.").start();
        LocalTools tools = tools();
        Agent agent = new Agent(Sims.client(engines, sim.url(), InferenceSettings.ToolProtocol.HERMES, 1), tools, tools, Approver.REFUSE);
        RunResult r = agent.run(RunRequest.of("ask hermes"), null);
        assertEquals(Termination.ANSWERED, r.termination(), r.detail());
        assertEquals("Hermes says hello.", r.answer());
        assertEquals(1, r.calls().size());
        assertEquals("found hermes", r.calls().getFirst().text());
        JsonNode second = requests().get(1);
        assertTrue(second.path("tools").isMissingNode() || second.path("tools").isEmpty(), "no native tools field");
        String system = second.path("messages").get(0).path("content").asText();
        assertTrue(system.contains("<tools>") || system.contains("\"lookup\""), system);
        String all = second.path("messages").toString();
        assertTrue(all.contains("found hermes"), "the result went back as text: " + all);
    }

    @Test
    void aModelThatAnswersWithoutARequiredToolCallIsRemindedThenStopped() throws Exception {
        sim = new SimScript().text("It is 4.").text("Still 4.").text("4!").start();
        RunResult r = agent(tools()).run(RunRequest.of("add 2 and 2 with the tool").withRequireTool(true), null);
        assertEquals(Termination.NO_TOOL_CALL, r.termination(), r.detail());
        String reminder = requests().get(1).path("messages").get(3).path("content").asText();
        assertTrue(reminder.contains("requires one") && reminder.contains("add"), reminder);
    }

    @Test
    void aRemindedModelThatThenCallsTheToolAnswers() throws Exception {
        sim = new SimScript().text("It is 4.").calls("add", "{\"a\":2,\"b\":2}").text("It is 4.").start();
        RunResult r = agent(tools()).run(RunRequest.of("add 2 and 2 with the tool").withRequireTool(true), null);
        assertEquals(Termination.ANSWERED, r.termination(), r.detail());
        assertEquals("4", r.calls().getFirst().text());
    }

    @Test
    void anEmptyTaskIsRefused() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> RunRequest.of(" "));
        assertTrue(e.getMessage().contains("task"));
    }
}
