package dev.kairos.inference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.InferenceSettings.Engine;
import dev.kairos.inference.InferenceSettings.Provider;
import dev.kairos.inference.InferenceSettings.ToolProtocol;
import dev.kairos.inference.sim.EngineSimulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static dev.kairos.inference.Fixtures.EXPECTED;
import static dev.kairos.inference.Fixtures.withoutIds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Grammar-constrained decoding for the Hermes, Llama 3.1 JSON and ReAct text protocols: what the grammar
 * admits parses into the intended calls, what it rejects is what would not, and each engine gets the
 * grammar in its own request field.
 */
class ConstrainedToolCallsTest {
    private static final Engines ENGINES = new Engines();

    @AfterAll
    static void close() {
        ENGINES.close();
    }

    private static Gbnf grammar(ToolProtocol protocol, ChatRequest request) {
        ResponseFormat f = TextToolCalls.constraint(protocol, request).orElseThrow();
        return new Gbnf(((ResponseFormat.Grammar) f).gbnf());
    }

    private static final String HERMES_TWO_CALLS = "<think>Two lookups.</think>\n\nLet me check.\n<tool_call>\n"
            + "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n<tool_call>\n"
            + "{\"name\": \"get_time\", \"arguments\": {\"timezone\": \"Europe/Berlin\"}}\n</tool_call>";

    @Test
    void hermesGrammarAdmitsCallsOfTheToolsAndNothingThatWouldNotParse() {
        Gbnf g = grammar(ToolProtocol.HERMES, Fixtures.weatherAndTime());
        assertTrue(g.accepts(HERMES_TWO_CALLS));
        assertEquals(EXPECTED, withoutIds(TextToolCalls.parse(ToolProtocol.HERMES, HERMES_TWO_CALLS).toolCalls()));
        assertTrue(g.accepts("It is sunny in Paris, 22\u00b0C. <b>Enjoy</b>!"), "a plain answer stays possible");
        assertTrue(g.accepts("<tool_call>{\"name\":\"get_time\",\"arguments\":{\"timezone\":\"UTC\",\"n\":[1,2.5e3,true,null]}}</tool_call>"));

        assertFalse(g.accepts("<tool_call>{\"name\": \"get_wether\", \"arguments\": {}}</tool_call>"), "unknown tool");
        assertFalse(g.accepts("<tool_call>{\"name\": \"get_time\", \"arguments\": \"UTC\"}</tool_call>"), "arguments not an object");
        assertFalse(g.accepts("<tool_call>{\"name\": \"get_time\", \"arguments\": {\"timezone\": \"UTC\"}"), "missing close tag");
        assertFalse(g.accepts("<tool_call>{\"name\": \"get_time\", \"arguments\": {\"timezone\": UTC}}</tool_call>"), "broken JSON");
        assertFalse(g.accepts("<tool_call>{\"name\": \"get_time\", \"arguments\": {}}</tool_call> and then text"), "text after calls");
    }

    @Test
    void reactGrammarAdmitsOneActionOfTheToolsOrAFinalAnswer() {
        Gbnf g = grammar(ToolProtocol.REACT, Fixtures.weatherAndTime());
        String step = "Thought: I should look up the weather.\nIt may rain.\nAction: get_weather\nAction Input: {\"city\": \"Paris\"}";
        assertTrue(g.accepts(step));
        var parsed = TextToolCalls.parse(ToolProtocol.REACT, step);
        assertEquals(1, parsed.toolCalls().size());
        assertEquals("get_weather", parsed.toolCalls().getFirst().name());
        assertTrue(g.accepts("Thought: I now know the final answer\nFinal Answer: 22\u00b0C and sunny."));

        assertFalse(g.accepts("Thought: hm\nAction: get_wether\nAction Input: {\"city\": \"Paris\"}"), "unknown tool");
        assertFalse(g.accepts("Thought: hm\nAction: get_weather\nAction Input: Paris"), "input not a JSON object");
        assertFalse(g.accepts("Action: get_weather\nAction Input: {\"city\": \"Paris\"}"), "a thought comes first");
        assertFalse(g.accepts("Thought: hm\nAction: get_weather\nAction Input: {\"city\": \"Paris\"}\nAction: get_time"), "one action per turn");

        Gbnf required = grammar(ToolProtocol.REACT, Fixtures.weatherAndTime().withToolChoice(new ToolChoice.Required()));
        assertFalse(required.accepts("Thought: done\nFinal Answer: 42"), "tool_choice required: an action, not an answer");
    }

    @Test
    void closedSchemasShapeTheArgumentsOpenOnesTakeAnyObject() {
        ToolSpec search = new ToolSpec("search", "Search", Fixtures.json("""
                {"type":"object","additionalProperties":false,"required":["q"],"properties":{
                  "q":{"type":"string"},"n":{"type":"integer"},"tags":{"type":"array","items":{"type":"string"}},
                  "opts":{"type":"object","additionalProperties":false,"required":["exact"],"properties":{"exact":{"type":"boolean"}}}}}"""));
        Gbnf g = grammar(ToolProtocol.HERMES, Fixtures.weatherAndTime().withTools(List.of(Fixtures.GET_WEATHER, Fixtures.GET_TIME, search)));
        String weather = "<tool_call>{\"name\": \"get_weather\", \"arguments\": %s}</tool_call>";
        assertTrue(g.accepts(weather.formatted("{\"city\": \"Paris\"}")));
        assertTrue(g.accepts(weather.formatted("{\"city\": \"Paris\", \"unit\": \"c\"}")));
        assertFalse(g.accepts(weather.formatted("{\"city\": 3}")), "city is a string");
        assertFalse(g.accepts(weather.formatted("{\"city\": \"Paris\", \"unit\": \"kelvin\"}")), "unit is c or f");
        assertFalse(g.accepts(weather.formatted("{\"town\": \"Paris\"}")), "no other keys");
        assertFalse(g.accepts(weather.formatted("{}")), "city is required");

        String s = "<tool_call>{\"name\": \"search\", \"arguments\": %s}</tool_call>";
        assertTrue(g.accepts(s.formatted("{\"q\": \"kairos\", \"n\": 3, \"opts\": {\"exact\": true}, \"tags\": [\"a\", \"b\"]}")));
        assertFalse(g.accepts(s.formatted("{\"q\": \"kairos\", \"n\": 2.5}")), "n is an integer");
        assertFalse(g.accepts(s.formatted("{\"q\": \"kairos\", \"tags\": [1]}")), "tags are strings");
        assertFalse(g.accepts(s.formatted("{\"q\": \"kairos\", \"opts\": {}}")), "opts.exact is required");
        String open = "<tool_call>{\"name\": \"get_time\", \"arguments\": {\"zone\": [1, {\"x\": null}]}}</tool_call>";
        assertTrue(g.accepts(open), "an open schema takes any object; the validator checks it");
    }

    @Test
    void toolChoiceAndParallelCallsShapeTheGrammar() {
        ChatRequest one = Fixtures.weatherAndTime().withParallelToolCalls(false);
        assertFalse(grammar(ToolProtocol.HERMES, one).accepts(HERMES_TWO_CALLS), "parallel_tool_calls=false: one call at most");

        Gbnf required = grammar(ToolProtocol.HERMES, Fixtures.weatherAndTime().withToolChoice(ToolChoice.REQUIRED));
        assertFalse(required.accepts("Just text."), "required: a call must come");
        assertTrue(required.accepts("<tool_call>{\"name\": \"get_time\", \"arguments\": {}}</tool_call>"));

        Gbnf named = grammar(ToolProtocol.LLAMA3_JSON, Fixtures.weatherAndTime().withToolChoice(ToolChoice.named("get_time")));
        assertTrue(named.accepts("{\"name\": \"get_time\", \"parameters\": {\"timezone\": \"UTC\"}}"));
        assertFalse(named.accepts("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}"), "only the named tool");

        assertTrue(TextToolCalls.constraint(ToolProtocol.HERMES, Fixtures.weatherAndTime().withToolChoice(ToolChoice.NONE)).isEmpty());
        assertTrue(TextToolCalls.constraint(ToolProtocol.REACT, Fixtures.weatherAndTime().withToolChoice(ToolChoice.NONE)).isEmpty());
    }

    @Test
    void llama3GrammarAdmitsTaggedCallsOrAPlainAnswer() {
        Gbnf g = grammar(ToolProtocol.LLAMA3_JSON, Fixtures.weatherAndTime());
        String calls = "<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}; "
                + "{\"name\": \"get_time\", \"parameters\": {\"timezone\": \"Europe/Berlin\"}}";
        assertTrue(g.accepts(calls));
        assertEquals(EXPECTED, withoutIds(TextToolCalls.parse(ToolProtocol.LLAMA3_JSON, calls).toolCalls()));
        assertTrue(g.accepts("It is sunny in Paris."));
        assertFalse(g.accepts("{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}"), "Llama 3.1 says parameters");
        assertFalse(g.accepts("[get_weather(city=\"Paris\")]"), "no pythonic calls");
        assertFalse(g.accepts("<|python_tag|>{\"name\": \"rm_rf\", \"parameters\": {}}"), "unknown tool");
    }

    /** The grammar travels in each engine's own field; the simulated constrained output parses into the two calls. */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"LLAMA_CPP", "VLLM", "SGLANG"})
    void eachEngineGetsTheGrammarAndTheConstrainedOutputParses(Engine engine) {
        try (EngineSimulator sim = EngineSimulator.start("sim/constrained.json")) {
            ChatClient plain = ENGINES.provider(Fixtures.endpoint(sim.url(), Provider.OPENAI, engine));

            ChatResponse hermes = TextToolCalls.over(plain, ToolProtocol.HERMES, true).stream(Fixtures.weatherAndTime(), e -> {
            });
            assertEquals(EXPECTED, withoutIds(hermes.toolCalls()));
            assertEquals("Let me check.", hermes.content());
            String sentHermes = grammarSent(sim.received("/v1/chat/completions").getFirst().json(), engine);
            assertTrue(new Gbnf(sentHermes).accepts(HERMES_TWO_CALLS), "the grammar sent admits what the engine wrote");

            ChatResponse llama = TextToolCalls.over(plain, ToolProtocol.LLAMA3_JSON, true).chat(Fixtures.weatherAndTime());
            assertEquals(EXPECTED, withoutIds(llama.toolCalls()));
            String sentLlama = grammarSent(sim.received("/v1/chat/completions").get(1).json(), engine);
            assertTrue(sentLlama.contains("\"\\\"parameters\\\"\""), sentLlama);
        }
    }

    private static String grammarSent(JsonNode body, Engine engine) {
        assertFalse(body.has("response_format"), "a grammar, not a JSON schema: " + body);
        assertFalse(body.has("guided_grammar"), "vLLM ignores guided_* since v0.12");
        JsonNode g = switch (engine) {
            case LLAMA_CPP -> body.path("grammar");
            case VLLM -> body.path("structured_outputs").path("grammar");
            case SGLANG -> body.path("ebnf");
            default -> throw new IllegalArgumentException(engine.name());
        };
        assertTrue(g.isTextual() && g.asText().startsWith("root ::="), engine + " body: " + body);
        return g.asText();
    }

    @Test
    void enginesWithoutGrammarDecodingGetNoGrammarField() {
        try (EngineSimulator sim = EngineSimulator.start("sim/constrained.json")) {
            ChatClient plain = ENGINES.provider(Fixtures.endpoint(sim.url(), Provider.OPENAI, Engine.GENERIC));
            ChatResponse r = TextToolCalls.over(plain, ToolProtocol.HERMES, true).stream(Fixtures.weatherAndTime(), e -> {
            });
            assertEquals(EXPECTED, withoutIds(r.toolCalls()));
            JsonNode body = sim.received("/v1/chat/completions").getFirst().json();
            for (String field : List.of("grammar", "ebnf", "structured_outputs", "response_format")) {
                assertFalse(body.has(field), field + " in " + body);
            }
        }
    }
}
