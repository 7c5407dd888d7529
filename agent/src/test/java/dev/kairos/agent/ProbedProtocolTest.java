package dev.kairos.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.inference.EngineInfo;
import dev.kairos.inference.Engines;
import dev.kairos.inference.InferenceSettings;
import dev.kairos.inference.InferenceSettings.ToolProtocol;
import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.inference.sim.SimScript;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.Set;

import static dev.kairos.agent.LocalTools.ok;
import static dev.kairos.agent.LocalTools.tool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An endpoint whose config names no tool protocol: the capability probe decides. The simulator plays
 * SGLang started without {@code --tool-call-parser} (no native tool calls), then with one.
 */
class ProbedProtocolTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "/v1/chat/completions";
    private final Engines engines = new Engines();
    private EngineSimulator sim;

    @AfterEach
    void close() {
        if (sim != null) {
            sim.close();
        }
        engines.close();
    }

    private static EngineSimulator sglang(SimScript script, boolean toolParser) {
        ObjectNode routes = script.routes();
        ObjectNode info = routes.putArray("GET /get_server_info").addObject().putObject("json")
                .put("version", "0.5.4").put("context_length", 32768).put("max_running_requests", 8);
        if (toolParser) {
            info.put("tool_call_parser", "qwen25");
        }
        return EngineSimulator.start(routes, 0);
    }

    /** As the config loader builds it when the file has no {@code tool_protocol}. */
    private static InferenceSettings.Endpoint unconfigured(URI url) {
        return new InferenceSettings.Endpoint(null, url, "Qwen/Qwen2.5-7B-Instruct", null, null, null, 4, null, null, null,
                new InferenceSettings.Retry(1, java.time.Duration.ofMillis(10), java.time.Duration.ofMillis(10)));
    }

    private Agent agent(InferenceSettings.Endpoint e) {
        LocalTools tools = new LocalTools(LocalTools.provider("local", List.of(
                tool("lookup", "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}},\"required\":[\"q\"]}", LocalTools.READ_ONLY)),
                (name, args) -> ok("found " + args.path("q").asText())));
        return new Agent(engines.endpoint(e), tools, tools, Approver.REFUSE);
    }

    @Test
    void anEngineWithoutNativeToolCallsGetsHermesWithConstrainedDecoding() throws Exception {
        sim = sglang(new SimScript()
                .text("<tool_call>\n{\"name\": \"lookup\", \"arguments\": {\"q\": \"tides\"}}\n</tool_call>")
                .text("High tide is at noon."), false);
        InferenceSettings.Endpoint e = unconfigured(sim.url());
        assertEquals(ToolProtocol.AUTO, e.toolProtocol(), "no protocol in config means: ask the probe");
        RunResult r = agent(e).run(RunRequest.of("when is high tide?"), null);
        assertEquals(Termination.ANSWERED, r.termination(), r.detail());
        assertEquals("High tide is at noon.", r.answer());
        assertEquals("found tides", r.calls().getFirst().text());
        assertEquals(ToolProtocol.HERMES, engines.toolProtocol(e));
        for (EngineSimulator.Received req : sim.received(PATH)) {
            JsonNode body = req.json();
            assertTrue(body.path("tools").isMissingNode() || body.path("tools").isEmpty(), "no native tools field: " + body);
            assertTrue(body.path("messages").get(0).path("content").asText().contains("<tools>"), "the tools are in the system prompt");
            assertTrue(body.path("ebnf").asText().contains("tool_call"), "the output is constrained by SGLang's ebnf grammar: " + body);
        }
        String second = sim.received(PATH).get(1).json().path("messages").toString();
        assertTrue(second.contains("found tides"), "the result went back as text: " + second);
        assertFalse(sim.received("/get_server_info").isEmpty(), "the probe asked the engine");
    }

    @Test
    void anEngineWithNativeToolCallsKeepsThem() throws Exception {
        sim = sglang(new SimScript().calls("lookup", "{\"q\":\"tides\"}").text("Noon."), true);
        InferenceSettings.Endpoint e = unconfigured(sim.url());
        RunResult r = agent(e).run(RunRequest.of("when is high tide?"), null);
        assertEquals(Termination.ANSWERED, r.termination(), r.detail());
        assertEquals(ToolProtocol.NATIVE, engines.toolProtocol(e));
        JsonNode first = sim.received(PATH).getFirst().json();
        assertEquals("lookup", first.path("tools").get(0).path("function").path("name").asText());
        assertTrue(first.path("ebnf").isMissingNode(), first.toString());
    }

    @Test
    void theModelFamilyPicksTheTextFormatAndAnUnansweredProbeDecidesNothing() {
        EngineInfo noTools = new EngineInfo(URI.create("http://127.0.0.1:1"), InferenceSettings.Engine.LLAMA_CPP, true, true,
                null, List.of(), 8192, 1, Set.of(EngineInfo.Capability.STRUCTURED_OUTPUT), List.of());
        assertEquals(ToolProtocol.LLAMA3_JSON, Engines.toolProtocolFor(noTools, "meta-llama/Llama-3.1-8B-Instruct"));
        assertEquals(ToolProtocol.HERMES, Engines.toolProtocolFor(noTools, "Qwen/Qwen2.5-7B-Instruct"));
        assertEquals(ToolProtocol.HERMES, Engines.toolProtocolFor(noTools, "NousResearch/Hermes-3-Llama-3.1-8B"));
        EngineInfo down = new EngineInfo(URI.create("http://127.0.0.1:1"), InferenceSettings.Engine.GENERIC, false, false,
                null, List.of(), null, null, Set.of(), List.of());
        assertNull(Engines.toolProtocolFor(down, "m"));
        EngineInfo loading = new EngineInfo(URI.create("http://127.0.0.1:1"), InferenceSettings.Engine.LLAMA_CPP, true, false,
                null, List.of(), null, null, Set.of(), List.of());
        assertNull(Engines.toolProtocolFor(loading, "m"), "a model still loading has not told its template's capabilities");
    }
}
