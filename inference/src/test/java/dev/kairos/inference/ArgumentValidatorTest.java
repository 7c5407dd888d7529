package dev.kairos.inference;

import dev.kairos.inference.InferenceSettings.Engine;
import dev.kairos.inference.InferenceSettings.Provider;
import dev.kairos.inference.sim.EngineSimulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Malformed arguments, unknown tools and schema violations come back as messages a model can act on. */
class ArgumentValidatorTest {
    private static final Engines ENGINES = new Engines();
    private static final ArgumentValidator VALIDATOR = new ArgumentValidator(List.of(Fixtures.GET_WEATHER, Fixtures.GET_TIME));

    @AfterAll
    static void close() {
        ENGINES.close();
    }

    @Test
    void malformedStreamedArgumentsAreKeptAndExplained() {
        try (EngineSimulator sim = EngineSimulator.start("sim/vllm-malformed-args.json")) {
            ChatResponse r = ENGINES.provider(Fixtures.endpoint(sim.url(), Provider.OPENAI, Engine.VLLM))
                    .stream(Fixtures.weatherAndTime(), StreamListener.IGNORE);
            ToolCall call = r.toolCalls().getFirst();
            assertFalse(call.argumentsParse());
            assertEquals("{\"city\": \"Paris\"", call.arguments(), "the broken text is kept to quote it back");
            List<ArgumentProblem> problems = VALIDATOR.validate(call);
            assertEquals(1, problems.size());
            assertTrue(problems.getFirst().message().contains("not valid JSON"), problems.toString());
            assertTrue(ArgumentValidator.repairText(call, problems).contains("{\"city\": \"Paris\""));
        }
    }

    @Test
    void unknownToolAndWrongTypesNameTheField() {
        try (EngineSimulator sim = EngineSimulator.start("sim/vllm-unknown-tool.json")) {
            ChatResponse r = ENGINES.provider(Fixtures.endpoint(sim.url(), Provider.OPENAI, Engine.VLLM))
                    .chat(Fixtures.weatherAndTime());
            assertEquals(2, r.toolCalls().size());
            List<ArgumentProblem> unknown = VALIDATOR.validate(r.toolCalls().get(0));
            assertEquals(1, unknown.size());
            assertTrue(unknown.getFirst().message().contains("did you mean 'get_weather'"), unknown.toString());

            List<ArgumentProblem> wrong = VALIDATOR.validate(r.toolCalls().get(1));
            assertEquals(List.of("city", "unit"), wrong.stream().map(ArgumentProblem::field).sorted().toList());
            assertTrue(wrong.stream().anyMatch(p -> p.message().contains("string expected")), wrong.toString());
        }
    }

    @Test
    void missingAndExtraPropertiesAreNamed() {
        List<ArgumentProblem> p = VALIDATOR.validate(new ToolCall("c", "get_weather", "{\"town\":\"Paris\"}"));
        assertEquals(List.of("city", "town"), p.stream().map(ArgumentProblem::field).sorted().toList());
        assertTrue(VALIDATOR.validate(new ToolCall("c", "get_weather", "{\"city\":\"Paris\",\"unit\":\"c\"}")).isEmpty());
        assertEquals("arguments must be a JSON object, got ARRAY",
                VALIDATOR.validate(new ToolCall("c", "get_time", "[1]")).getFirst().message());
    }
}
