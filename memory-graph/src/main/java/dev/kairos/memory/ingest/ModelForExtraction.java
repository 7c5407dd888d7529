package dev.kairos.memory.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.ChatClient;
import dev.kairos.inference.ChatRequest;
import dev.kairos.inference.ChatResponse;
import dev.kairos.inference.Message;
import dev.kairos.inference.ResponseFormat;
import dev.kairos.inference.Sampling;

import java.util.ArrayList;
import java.util.List;

/** The model extraction talks to: an engine through the inference API, or an MCP client's model by sampling. */
public interface ModelForExtraction {

    /** One turn of the conversation sent to the model. */
    record Turn(Role role, String text) {}

    enum Role { SYSTEM, USER, ASSISTANT }

    /** The model's answer as text, with the tokens it cost where the source reports them (0 otherwise). */
    record Answer(String text, long promptTokens, long completionTokens) {}

    /** Asks the model; {@code schema} constrains the answer where the source can (engines with JSON-schema decoding). */
    Answer complete(List<Turn> turns, String schemaName, JsonNode schema);

    /** Where the model comes from, for status lines. */
    String describe();

    /** A model behind an inference engine endpoint, asked for JSON matching the schema. */
    static ModelForExtraction engine(ChatClient client, String description) {
        return new ModelForExtraction() {
            @Override
            public Answer complete(List<Turn> turns, String schemaName, JsonNode schema) {
                List<Message> messages = new ArrayList<>();
                for (Turn t : turns) {
                    messages.add(switch (t.role()) {
                        case SYSTEM -> Message.system(t.text());
                        case USER -> Message.user(t.text());
                        case ASSISTANT -> new Message.Assistant(t.text());
                    });
                }
                ChatRequest request = ChatRequest.of(messages)
                        .withResponseFormat(new ResponseFormat.JsonSchema(schemaName, schema, false))
                        .withSampling(Sampling.DEFAULTS);
                ChatResponse r = client.chat(request);
                return new Answer(r.content(), r.usage().promptTokens(), r.usage().completionTokens());
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }
}
