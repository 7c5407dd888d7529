package dev.kairos.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.util.List;

/** Tools and requests shared by the tests. */
final class Fixtures {
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static final ToolSpec GET_WEATHER = new ToolSpec("get_weather", "Current weather in a city",
            json("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"unit\":{\"type\":\"string\",\"enum\":[\"c\",\"f\"]}},\"required\":[\"city\"],\"additionalProperties\":false}"));
    static final ToolSpec GET_TIME = new ToolSpec("get_time", "Current time in a timezone",
            json("{\"type\":\"object\",\"properties\":{\"timezone\":{\"type\":\"string\"}},\"required\":[\"timezone\"]}"));

    static final List<ToolCall> EXPECTED = List.of(
            new ToolCall("", "get_weather", "{\"city\":\"Paris\"}"),
            new ToolCall("", "get_time", "{\"timezone\":\"Europe/Berlin\"}"));

    static ChatRequest weatherAndTime() {
        return ChatRequest.of(Message.system("You are a helpful assistant."),
                        Message.user("Weather in Paris and the time in Berlin?"))
                .withTools(List.of(GET_WEATHER, GET_TIME));
    }

    static InferenceSettings.Endpoint endpoint(URI url, InferenceSettings.Provider provider, InferenceSettings.Engine engine) {
        return InferenceSettings.Endpoint.of(url, "test-model").withProvider(provider).withEngine(engine);
    }

    static List<ToolCall> withoutIds(List<ToolCall> calls) {
        return calls.stream().map(ToolCall::withoutId).toList();
    }

    private Fixtures() {
    }
}
