package dev.kairos.memory.ingest.internal;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.util.regex.Pattern;

/** Reads the JSON object in a local model's answer: reasoning blocks, code fences, prose around it and trailing commas are tolerated. */
public final class LooseJson {
    private static final Pattern THINK = Pattern.compile("(?s)<think>.*?</think>|^.*?</think>");
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_TRAILING_COMMA, JsonReadFeature.ALLOW_SINGLE_QUOTES,
                    JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES, JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .build();

    private LooseJson() {}

    /** The object, or an exception whose message says what was wrong (sent back to the model in the repair turn). */
    public static JsonNode object(String answer) {
        if (answer == null || answer.isBlank()) throw new IllegalArgumentException("the answer was empty");
        String text = THINK.matcher(answer).replaceAll("").trim();
        int start = text.indexOf('{');
        int end = text.lastIndexOf('}');
        if (start < 0 || end < start) throw new IllegalArgumentException("the answer holds no JSON object");
        try {
            JsonNode node = MAPPER.readTree(text.substring(start, end + 1));
            if (!node.isObject()) throw new IllegalArgumentException("the answer is not a JSON object");
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("the JSON does not parse: " + e.getOriginalMessage());
        }
    }
}
