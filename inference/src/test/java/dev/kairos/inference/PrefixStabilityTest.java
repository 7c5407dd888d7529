package dev.kairos.inference;

import dev.kairos.inference.InferenceSettings.Engine;
import dev.kairos.inference.InferenceSettings.Provider;
import dev.kairos.inference.InferenceSettings.ToolProtocol;
import dev.kairos.inference.sim.EngineSimulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two consecutive turns share their prefix byte for byte, so the engines' prefix caches hit. */
class PrefixStabilityTest {
    private static final Engines ENGINES = new Engines();

    @AfterAll
    static void close() {
        ENGINES.close();
    }

    /** The same tool, its schema keys written in another order (as a re-listed MCP server may). */
    private static final ToolSpec GET_WEATHER_REORDERED = new ToolSpec("get_weather", "Current weather in a city",
            Fixtures.json("{\"additionalProperties\":false,\"required\":[\"city\"],\"properties\":{\"unit\":{\"enum\":[\"c\",\"f\"],\"type\":\"string\"},\"city\":{\"type\":\"string\"}},\"type\":\"object\"}"));

    private static String prefixOf(String body) {
        assertTrue(body.endsWith("]}"), "messages come last: " + body.substring(Math.max(0, body.length() - 40)));
        return body.substring(0, body.length() - 2);
    }

    @Test
    void nativeToolsTwoTurns() {
        check("sim/vllm.json", ToolProtocol.NATIVE);
    }

    @Test
    void hermesTextProtocolTwoTurns() {
        check("sim/vllm.json", ToolProtocol.HERMES);
    }

    private void check(String script, ToolProtocol protocol) {
        try (EngineSimulator sim = EngineSimulator.start(script)) {
            ChatClient client = TextToolCalls.over(
                    ENGINES.provider(Fixtures.endpoint(sim.url(), Provider.OPENAI, Engine.VLLM)), protocol, false);
            ChatRequest turn1 = Fixtures.weatherAndTime();
            ChatResponse r1 = client.stream(turn1, StreamListener.IGNORE);
            List<Message> results = r1.toolCalls().stream()
                    .map(c -> (Message) new Message.ToolResult(c.id(), c.name(), "ok", false)).toList();
            ChatRequest turn2 = turn1.withTools(List.of(GET_WEATHER_REORDERED, Fixtures.GET_TIME)).append(r1.asMessage())
                    .withMessages(new java.util.ArrayList<>(turn1.append(r1.asMessage()).messages()) {{
                        addAll(results);
                    }});
            client.stream(turn2, StreamListener.IGNORE);
            List<EngineSimulator.Received> sent = sim.received("/v1/chat/completions");
            assertEquals(2, sent.size());
            String first = prefixOf(sent.get(0).body());
            assertTrue(sent.get(1).body().startsWith(first),
                    "turn 2 must extend turn 1 byte for byte\n1: " + sent.get(0).body() + "\n2: " + sent.get(1).body());
        }
    }
}
