package dev.kairos.inference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.InferenceSettings.Engine;
import dev.kairos.inference.InferenceSettings.Provider;
import dev.kairos.inference.sim.EngineSimulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What each dialect puts on the wire, read back from the simulator. */
class RequestShapeTest {
    private static final Engines ENGINES = new Engines();

    @AfterAll
    static void close() {
        ENGINES.close();
    }

    private static JsonNode sent(String script, Provider provider, Engine engine, ChatRequest request, String path) {
        try (EngineSimulator sim = EngineSimulator.start(script)) {
            ENGINES.provider(Fixtures.endpoint(sim.url(), provider, engine)).stream(request, StreamListener.IGNORE);
            List<EngineSimulator.Received> got = sim.received(path);
            assertEquals(1, got.size());
            return got.getFirst().json();
        }
    }

    @Test
    void llamaCppIsAskedForParallelCallsExplicitly() {
        JsonNode body = sent("sim/llamacpp.json", Provider.OPENAI, Engine.LLAMA_CPP, Fixtures.weatherAndTime(),
                "/v1/chat/completions");
        assertTrue(body.path("parallel_tool_calls").asBoolean(false));
        assertEquals("auto", body.path("tool_choice").asText());
        assertTrue(body.path("stream_options").path("include_usage").asBoolean());
    }

    @Test
    void ollamaV1GetsNoToolChoiceAndANamedChoiceSendsOnlyThatTool() {
        ChatRequest named = Fixtures.weatherAndTime().withToolChoice(ToolChoice.named("get_time"));
        JsonNode body = sent("sim/ollama.json", Provider.OPENAI, Engine.OLLAMA, named, "/v1/chat/completions");
        assertFalse(body.has("tool_choice"), "Ollama /v1 has no tool_choice");
        assertEquals(1, body.path("tools").size());
        assertEquals("get_time", body.path("tools").get(0).path("function").path("name").asText());

        ChatRequest none = Fixtures.weatherAndTime().withToolChoice(ToolChoice.NONE);
        JsonNode noTools = sent("sim/ollama.json", Provider.OLLAMA, Engine.OLLAMA, none, "/api/chat");
        assertFalse(noTools.has("tools"), "tool_choice none: no tools sent");
    }

    @Test
    void vllmStructuredOutputUsesResponseFormatNotGuidedJson() {
        ChatRequest r = Fixtures.weatherAndTime().withResponseFormat(new ResponseFormat.JsonSchema("answer",
                Fixtures.json("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}"), true));
        JsonNode body = sent("sim/vllm.json", Provider.OPENAI, Engine.VLLM, r, "/v1/chat/completions");
        assertEquals("json_schema", body.path("response_format").path("type").asText());
        assertEquals("answer", body.path("response_format").path("json_schema").path("name").asText());
        assertFalse(body.toString().contains("guided_"), "guided_* is silently ignored since vLLM 0.12");
    }

    @Test
    void ollamaNativeSendsObjectArgumentsToolNameAndOptions() {
        ToolCall call = new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}");
        ChatRequest r = Fixtures.weatherAndTime()
                .append(new Message.Assistant("", List.of(call), null),
                        new Message.ToolResult("call_1", "get_weather", "22C", false))
                .withSampling(Sampling.DEFAULTS.withTemperature(0.2).withMaxTokens(64).withSeed(7));
        JsonNode body = sent("sim/ollama.json", Provider.OLLAMA, Engine.OLLAMA, r, "/api/chat");
        JsonNode assistant = body.path("messages").get(2);
        assertTrue(assistant.path("tool_calls").get(0).path("function").path("arguments").isObject());
        assertEquals("get_weather", body.path("messages").get(3).path("tool_name").asText());
        assertEquals(64, body.path("options").path("num_predict").asInt());
        assertEquals(0.2, body.path("options").path("temperature").asDouble());
    }

    @Test
    void openAiToolResultsCarryTheCallIdAndStringArguments() {
        ToolCall call = new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}");
        ChatRequest r = Fixtures.weatherAndTime()
                .append(new Message.Assistant("", List.of(call), null),
                        new Message.ToolResult("call_1", "get_weather", "22C", false))
                .withSampling(new Sampling(0.1, 0.9, 20, 1.1, null, null, 100, List.of("</s>"), 3L));
        JsonNode body = sent("sim/vllm.json", Provider.OPENAI, Engine.VLLM, r, "/v1/chat/completions");
        JsonNode assistant = body.path("messages").get(2);
        assertTrue(assistant.path("tool_calls").get(0).path("function").path("arguments").isTextual());
        assertEquals("call_1", body.path("messages").get(3).path("tool_call_id").asText());
        assertEquals(20, body.path("top_k").asInt());
        assertEquals(1.1, body.path("repetition_penalty").asDouble());
        assertEquals("</s>", body.path("stop").get(0).asText());
    }
}
