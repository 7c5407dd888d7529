package dev.kairos.inference;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/** The shape the answer must take: free text, any JSON object, or JSON matching a schema. */
public sealed interface ResponseFormat {
    /** Free text (the default). */
    record Text() implements ResponseFormat {
    }

    /** Any JSON object. */
    record JsonObject() implements ResponseFormat {
    }

    /** JSON matching this schema, enforced by the engine's constrained decoding where it has it. */
    record JsonSchema(String name, JsonNode schema, boolean strict) implements ResponseFormat {
        public JsonSchema {
            Objects.requireNonNull(name, "schema name");
            Objects.requireNonNull(schema, "schema");
        }
    }

    /**
     * Text matching a GBNF grammar (llama.cpp {@code grammar}, vLLM {@code structured_outputs.grammar},
     * SGLang {@code ebnf}). Engines without grammar decoding get no constraint: the output is still parsed.
     */
    record Grammar(String gbnf) implements ResponseFormat {
        public Grammar {
            if (gbnf == null || !gbnf.contains("root ::=")) {
                throw new IllegalArgumentException("grammar: must be GBNF with a root rule");
            }
        }
    }

    ResponseFormat TEXT = new Text();
    ResponseFormat JSON_OBJECT = new JsonObject();
}
