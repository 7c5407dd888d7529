package dev.kairos.inference;

import dev.kairos.inference.InferenceSettings.Engine;
import dev.kairos.inference.InferenceSettings.Provider;
import dev.kairos.inference.sim.EngineSimulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.kairos.inference.Fixtures.EXPECTED;
import static dev.kairos.inference.Fixtures.withoutIds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The chunking quirks of the reference note, one scripted answer each, and non-streamed answers. */
class StreamQuirksTest {
    private static final Engines ENGINES = new Engines();

    @AfterAll
    static void close() {
        ENGINES.close();
    }

    @Test
    void quirksInOneScriptedSession() {
        try (EngineSimulator sim = EngineSimulator.start("sim/quirks.json")) {
            ChatClient client = ENGINES.provider(Fixtures.endpoint(sim.url(), Provider.OPENAI, Engine.GENERIC));
            ChatRequest req = Fixtures.weatherAndTime();

            ChatResponse emptyThenFull = client.stream(req, StreamListener.IGNORE);
            assertEquals(EXPECTED, withoutIds(emptyThenFull.toolCalls()), "'{}' then full arguments replaces, not concatenates");

            ChatResponse freshIds = client.stream(req, StreamListener.IGNORE);
            assertEquals(EXPECTED, withoutIds(freshIds.toolCalls()));
            assertEquals(List.of("chatcmpl-tool-aaa", "chatcmpl-tool-ddd"),
                    freshIds.toolCalls().stream().map(ToolCall::id).toList(), "the first id of each call is kept");

            ChatResponse noIndex = client.stream(req, StreamListener.IGNORE);
            assertEquals(EXPECTED, withoutIds(noIndex.toolCalls()), "a new id starts a call when there is no index");
            assertEquals(List.of("call_x", "call_y"), noIndex.toolCalls().stream().map(ToolCall::id).toList());

            ChatResponse parameterless = client.stream(req, StreamListener.IGNORE);
            assertEquals(List.of(new ToolCall("", "list_cities", "{}")), withoutIds(parameterless.toolCalls()));

            List<StreamEvent> events = new ArrayList<>();
            ChatResponse thinking = client.stream(req, events::add);
            assertEquals("Hello there", thinking.content());
            assertEquals("The user wants a greeting.more thought", thinking.reasoning());
            assertEquals(FinishReason.STOP, thinking.finishReason());
            assertEquals(new Usage(10, 12), thinking.usage());
            String streamedContent = events.stream().filter(e -> e instanceof StreamEvent.ContentDelta)
                    .map(e -> ((StreamEvent.ContentDelta) e).text()).reduce("", String::concat);
            assertEquals("Hello there", streamedContent, "no piece of a <think> tag leaks into content");
        }
    }

    @Test
    void wholeAnswersNormalizeArguments() {
        try (EngineSimulator sim = EngineSimulator.start("sim/whole-answers.json")) {
            ChatClient openAi = ENGINES.provider(Fixtures.endpoint(sim.url(), Provider.OPENAI, Engine.VLLM));
            ChatResponse dumped = openAi.chat(Fixtures.weatherAndTime());
            assertEquals(EXPECTED, withoutIds(dumped.toolCalls()), "json.dumps spacing is normalized");
            assertEquals(new Usage(212, 38), dumped.usage());

            ChatResponse objectArgs = openAi.chat(Fixtures.weatherAndTime());
            assertEquals(EXPECTED, withoutIds(objectArgs.toolCalls()), "object-valued arguments become JSON text");
            assertEquals(FinishReason.TOOL_CALLS, objectArgs.finishReason(), "'stop' with tool calls means tool_calls");

            ChatClient ollama = ENGINES.provider(Fixtures.endpoint(sim.url(), Provider.OLLAMA, Engine.OLLAMA));
            ChatResponse nativeAnswer = ollama.chat(Fixtures.weatherAndTime());
            assertEquals(EXPECTED, withoutIds(nativeAnswer.toolCalls()));
            assertEquals("Two lookups needed.", nativeAnswer.reasoning());
            assertEquals(new Usage(198, 36), nativeAnswer.usage());
        }
    }

    @Test
    void parallelOffKeepsOnlyTheFirstCall() {
        try (EngineSimulator sim = EngineSimulator.start("sim/vllm.json")) {
            ChatClient client = ENGINES.provider(Fixtures.endpoint(sim.url(), Provider.OPENAI, Engine.VLLM));
            ChatResponse r = client.stream(Fixtures.weatherAndTime().withParallelToolCalls(false), StreamListener.IGNORE);
            assertEquals(List.of(EXPECTED.getFirst()), withoutIds(r.toolCalls()));
        }
    }

    @Test
    void contentOnlyAnswerHasNoReasoning() {
        try (EngineSimulator sim = EngineSimulator.start("sim/llamacpp.json")) {
            ChatClient client = ENGINES.provider(Fixtures.endpoint(sim.url(), Provider.OPENAI, Engine.LLAMA_CPP));
            ChatResponse r = client.stream(Fixtures.weatherAndTime(), StreamListener.IGNORE);
            assertNull(r.reasoning());
            assertEquals(new Usage(230, 41), r.usage());
        }
    }
}
