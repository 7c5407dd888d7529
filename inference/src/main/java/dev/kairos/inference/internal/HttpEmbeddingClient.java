package dev.kairos.inference.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.inference.EmbeddingClient;
import dev.kairos.inference.EngineException;
import dev.kairos.inference.InferenceSettings;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Embeddings over HTTP in the OpenAI wire format ({@code /v1/embeddings}) or Ollama's ({@code /api/embed}). */
public final class HttpEmbeddingClient implements EmbeddingClient {
    private final InferenceSettings.Endpoint endpoint;
    private final EngineHttp http;
    private final Retry retry;

    public HttpEmbeddingClient(InferenceSettings.Endpoint endpoint, EngineHttp http) {
        this.endpoint = endpoint;
        this.http = http;
        InferenceSettings.Retry r = endpoint.retry();
        // As chat calls: exponential backoff from the endpoint's retry settings, or the engine's Retry-After.
        this.retry = Retry.of(endpoint.name() + "-embeddings", RetryConfig.<List<float[]>>custom()
                .maxAttempts(r.maxAttempts())
                .retryOnException(t -> t instanceof EngineException e && e.retryable())
                .intervalBiFunction((attempt, outcome) -> backoff(r, attempt, outcome.isLeft() ? outcome.getLeft() : null))
                .build());
    }

    static long backoff(InferenceSettings.Retry r, int attempt, Throwable failure) {
        if (failure instanceof EngineException.Unavailable u && u.retryAfter().isPresent()) {
            return Math.min(u.retryAfter().get().toMillis(), r.maxBackoff().toMillis());
        }
        return Math.min(r.initialBackoff().toMillis() << Math.min(20, Math.max(0, attempt - 1)), r.maxBackoff().toMillis());
    }

    @Override
    public InferenceSettings.Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public List<float[]> embed(List<String> texts) {
        if (texts.isEmpty()) {
            return List.of();
        }
        return Retry.decorateSupplier(retry, () -> once(texts)).get();
    }

    private List<float[]> once(List<String> texts) {
        boolean ollama = endpoint.provider() == InferenceSettings.Provider.OLLAMA;
        ObjectNode body = WireJson.NODES.objectNode().put("model", endpoint.model());
        ArrayNode input = body.putArray("input");
        texts.forEach(input::add);
        if (!ollama) {
            body.put("encoding_format", "float");
        }
        JsonNode answer;
        String text = http.post(ollama ? "/api/embed" : "/v1/embeddings", WireJson.write(body));
        try {
            answer = WireJson.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new EngineException.ConnectionLost(endpoint.url(), "embeddings answer unreadable: " + e, false, e);
        }
        List<float[]> out = ollama ? ollama(answer) : openAi(answer);
        if (out.size() != texts.size()) {
            throw new EngineException.Rejected(endpoint.url(), 200, "asked for " + texts.size() + " embeddings, got " + out.size());
        }
        return out;
    }

    /** {@code {"data": [{"index": 0, "embedding": [...]}, ...]}}, placed by index (engines need not keep the order). */
    private List<float[]> openAi(JsonNode answer) {
        JsonNode data = answer.path("data");
        if (!data.isArray()) {
            throw new EngineException.Rejected(endpoint.url(), 200, "embeddings answer has no 'data' array");
        }
        float[][] placed = new float[data.size()][];
        for (int i = 0; i < data.size(); i++) {
            JsonNode item = data.get(i);
            int index = item.path("index").asInt(i);
            if (index < 0 || index >= placed.length || placed[index] != null) {
                throw new EngineException.Rejected(endpoint.url(), 200, "embeddings answer has a bad or repeated index " + index);
            }
            placed[index] = vector(item.path("embedding"));
        }
        return List.of(placed);
    }

    /** {@code {"embeddings": [[...], ...]}}. */
    private List<float[]> ollama(JsonNode answer) {
        JsonNode all = answer.path("embeddings");
        if (!all.isArray()) {
            throw new EngineException.Rejected(endpoint.url(), 200, "embeddings answer has no 'embeddings' array");
        }
        List<float[]> out = new ArrayList<>();
        all.forEach(v -> out.add(vector(v)));
        return out;
    }

    private float[] vector(JsonNode v) {
        if (!v.isArray() || v.isEmpty()) {
            throw new EngineException.Rejected(endpoint.url(), 200, "an embedding is not a non-empty array of numbers"
                    + (v.isTextual() ? " (base64 answers are not read: encoding_format float was asked)" : ""));
        }
        float[] f = new float[v.size()];
        for (int i = 0; i < f.length; i++) {
            if (!v.get(i).isNumber()) {
                throw new EngineException.Rejected(endpoint.url(), 200, "an embedding holds a non-number at " + i);
            }
            f[i] = (float) v.get(i).asDouble();
        }
        return f;
    }
}
