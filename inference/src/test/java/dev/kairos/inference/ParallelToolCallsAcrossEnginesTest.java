package dev.kairos.inference;

import dev.kairos.inference.InferenceSettings.Engine;
import dev.kairos.inference.InferenceSettings.Provider;
import dev.kairos.inference.sim.EngineSimulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static dev.kairos.inference.Fixtures.EXPECTED;
import static dev.kairos.inference.Fixtures.withoutIds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The acceptance case: one parallel streamed call of two tools, in each engine's wire format, gives the same two calls. */
class ParallelToolCallsAcrossEnginesTest {
    private static final Engines ENGINES = new Engines();

    @AfterAll
    static void close() {
        ENGINES.close();
    }

    @ParameterizedTest(name = "{0} via {1}")
    @CsvSource({
            "sim/vllm.json, OPENAI, VLLM",
            "sim/sglang.json, OPENAI, SGLANG",
            "sim/sglang-wrong-index.json, OPENAI, SGLANG",
            "sim/llamacpp.json, OPENAI, LLAMA_CPP",
            "sim/ollama.json, OLLAMA, OLLAMA",
            "sim/ollama.json, OPENAI, OLLAMA",
    })
    void sameTwoCallsFromEveryEngine(String script, Provider provider, Engine engine) {
        try (EngineSimulator sim = EngineSimulator.start(script)) {
            ChatClient client = ENGINES.provider(Fixtures.endpoint(sim.url(), provider, engine));
            List<StreamEvent> events = new ArrayList<>();
            ChatResponse r = client.stream(Fixtures.weatherAndTime(), events::add);

            assertEquals(EXPECTED, withoutIds(r.toolCalls()));
            assertEquals(FinishReason.TOOL_CALLS, r.finishReason());
            assertEquals(2, r.toolCalls().stream().map(ToolCall::id).distinct().count(), "ids must differ");
            assertTrue(r.toolCalls().stream().noneMatch(c -> c.id().isBlank()));
            List<ToolCall> streamed = events.stream()
                    .filter(e -> e instanceof StreamEvent.ToolCallCompleted)
                    .map(e -> ((StreamEvent.ToolCallCompleted) e).call()).toList();
            assertEquals(r.toolCalls(), streamed, "each call is reported once, complete, in order");
            List<Boolean> atEnd = events.stream().filter(e -> e instanceof StreamEvent.ToolCallCompleted)
                    .map(e -> ((StreamEvent.ToolCallCompleted) e).answerComplete()).toList();
            // the first call is complete when the second begins, mid-stream (Ollama sends both in one line);
            // the second only with the whole answer, so starting it early would gain nothing
            assertEquals(List.of(false, true), atEnd);
            // the answer is read to the body's end, so the connection is back in the pool for the next request
            assertEquals(EXPECTED, withoutIds(client.stream(Fixtures.weatherAndTime(), StreamListener.IGNORE).toolCalls()));
            assertEquals(1, sim.connections(), "one connection for both requests");
            assertTrue(events.getLast() instanceof StreamEvent.End);
            assertFalse(r.content().contains("tool_call"));
        }
    }
}
