package dev.kairos.inference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.InferenceSettings.Engine;
import dev.kairos.inference.InferenceSettings.Provider;
import dev.kairos.inference.InferenceSettings.ToolProtocol;
import dev.kairos.inference.sim.EngineSimulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.kairos.inference.Fixtures.EXPECTED;
import static dev.kairos.inference.Fixtures.withoutIds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The four text tool-call formats, {@code <think>} separation, and the text-protocol client over the simulator. */
class TextToolCallsTest {
    private static final Engines ENGINES = new Engines();

    @AfterAll
    static void close() {
        ENGINES.close();
    }

    @Test
    void hermesBlocksWithThinkAndMissingCloseTag() {
        TextToolCalls.Parsed p = TextToolCalls.parse(ToolProtocol.HERMES, """
                <think>I need two tools.</think>
                Checking.
                <tool_call>
                {"name": "get_weather", "arguments": {"city": "Paris"}}
                </tool_call>
                <tool_call>
                {"name": "get_time", "arguments": {"timezone": "Europe/Berlin"}}""");
        assertEquals(EXPECTED, withoutIds(p.toolCalls()));
        assertEquals("Checking.", p.content());
        assertEquals("I need two tools.", p.reasoning());
    }

    @Test
    void qwen3ThinkOpenedInThePromptIsStillReasoning() {
        TextToolCalls.Parsed p = TextToolCalls.parse(ToolProtocol.HERMES, "pondering</think>\n\nHello");
        assertEquals("Hello", p.content());
        assertEquals("pondering", p.reasoning());
    }

    @Test
    void llama31JsonWithPythonTagParametersAndSemicolons() {
        TextToolCalls.Parsed p = TextToolCalls.parse(ToolProtocol.LLAMA3_JSON,
                "<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}; "
                        + "{\"name\": \"get_time\", \"arguments\": {\"timezone\": \"Europe/Berlin\"}}<|eom_id|>");
        assertEquals(EXPECTED, withoutIds(p.toolCalls()));
        TextToolCalls.Parsed plain = TextToolCalls.parse(ToolProtocol.LLAMA3_JSON, "It is sunny in Paris.");
        assertTrue(plain.toolCalls().isEmpty());
        assertEquals("It is sunny in Paris.", plain.content());
    }

    @Test
    void llama32PythonicCallsAreReadAsDataOnly() {
        TextToolCalls.Parsed p = TextToolCalls.parse(ToolProtocol.LLAMA3_JSON,
                "[get_weather(city=\"Paris\"), get_time(timezone='Europe/Berlin')]");
        assertEquals(EXPECTED, withoutIds(p.toolCalls()));
        TextToolCalls.Parsed nested = TextToolCalls.parse(ToolProtocol.LLAMA3_JSON,
                "[search(q=\"a\", n=3, exact=True, tags=['x', 'y'], opts={'k': None})]");
        assertEquals("{\"q\":\"a\",\"n\":3,\"exact\":true,\"tags\":[\"x\",\"y\"],\"opts\":{\"k\":null}}",
                nested.toolCalls().getFirst().arguments());
        TextToolCalls.Parsed code = TextToolCalls.parse(ToolProtocol.LLAMA3_JSON, "[f(a=__import__('os'))]");
        assertTrue(code.toolCalls().isEmpty(), "anything but a literal is not a call");
    }

    @Test
    void reactActionsAndFinalAnswerIgnoringAnInventedObservation() {
        TextToolCalls.Parsed p = TextToolCalls.parse(ToolProtocol.REACT, """
                Thought: I should look up the weather.
                Action: get_weather
                Action Input: {"city": "Paris"}
                Observation: 35C and sunny""");
        assertEquals(List.of(EXPECTED.getFirst()), withoutIds(p.toolCalls()));
        assertEquals("I should look up the weather.", p.reasoning());
        TextToolCalls.Parsed fin = TextToolCalls.parse(ToolProtocol.REACT, "Thought: I now know the final answer\nFinal Answer: 22C in Paris");
        assertEquals("22C in Paris", fin.content());
        assertTrue(fin.toolCalls().isEmpty());
    }

    @Test
    void jsonActionObjectCallsAndQuestions() {
        TextToolCalls.Parsed call = TextToolCalls.parse(ToolProtocol.JSON_ACTION,
                "{\"action\":\"call_tool\",\"tool_name\":\"get_time\",\"tool_params\":{\"timezone\":\"Europe/Berlin\"}}");
        assertEquals(List.of(EXPECTED.get(1)), withoutIds(call.toolCalls()));
        TextToolCalls.Parsed ask = TextToolCalls.parse(ToolProtocol.JSON_ACTION,
                "```json\n{\"action\":\"ask_user\",\"question\":\"Which city?\"}\n```");
        assertEquals("Which city?", ask.question());
        assertTrue(ask.toolCalls().isEmpty());
    }

    @Test
    void hermesOverTheWireStreamedInPieces() {
        try (EngineSimulator sim = EngineSimulator.start("sim/text-protocols.json")) {
            ChatClient plain = ENGINES.provider(Fixtures.endpoint(sim.url(), Provider.OPENAI, Engine.LLAMA_CPP));
            ChatClient client = TextToolCalls.over(plain, ToolProtocol.HERMES, true);
            List<StreamEvent> events = new ArrayList<>();
            ChatRequest request = Fixtures.weatherAndTime()
                    .append(new Message.Assistant("", List.of(new ToolCall("c0", "get_weather", "{\"city\":\"Rome\"}")), null),
                            new Message.ToolResult("c0", "get_weather", "19C", false));
            ChatResponse r = client.stream(request, events::add);
            assertEquals(EXPECTED, withoutIds(r.toolCalls()));
            assertEquals("Let me check.", r.content());
            assertEquals("Two lookups.", r.reasoning());
            assertEquals(FinishReason.TOOL_CALLS, r.finishReason());
            assertEquals(2, events.stream().filter(e -> e instanceof StreamEvent.ToolCallCompleted).count());

            JsonNode sent = sim.received("/v1/chat/completions").getFirst().json();
            assertFalse(sent.has("tools"), "tools travel in the prompt, not as native tools");
            String system = sent.path("messages").get(0).path("content").asText();
            assertTrue(system.contains("<tools>") && system.contains("\"get_time\""));
            assertTrue(sent.path("messages").get(2).path("content").asText().contains("<tool_call>"));
            assertTrue(sent.path("messages").get(3).path("content").asText().startsWith("<tool_response>"));

            ChatClient json = TextToolCalls.over(plain, ToolProtocol.JSON_ACTION, true);
            ChatResponse action = json.chat(Fixtures.weatherAndTime());
            assertEquals(List.of(EXPECTED.getFirst()), withoutIds(action.toolCalls()));
            JsonNode constrained = sim.received("/v1/chat/completions").get(1).json();
            assertEquals("json_schema", constrained.path("response_format").path("type").asText(),
                    "the action object is enforced by the engine's JSON-schema decoding");
            assertEquals(4, constrained.path("response_format").path("json_schema").path("schema").path("anyOf").size());
        }
    }

    @Test
    void nativeProtocolLeavesTextAlone() {
        TextToolCalls.Parsed p = TextToolCalls.parse(ToolProtocol.NATIVE, "<tool_call>{}</tool_call>");
        assertTrue(p.toolCalls().isEmpty());
        assertNull(p.question());
    }
}
