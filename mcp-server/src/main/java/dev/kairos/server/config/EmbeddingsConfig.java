package dev.kairos.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.Engines;
import dev.kairos.inference.InferenceSettings.Endpoint;
import dev.kairos.memory.Embedder;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code memory.embeddings:} section: embeddings from an inference engine instead of the in-process model.
 *
 * <pre>
 * memory:
 *   embeddings:
 *     endpoint: http://127.0.0.1:8000   # an engine URL, or the name of an inference endpoint
 *     model: BAAI/bge-small-en-v1.5      # required with a URL
 *     provider: openai                   # openai: POST /v1/embeddings (vLLM, llama.cpp, SGLang); ollama: POST /api/embed
 *     api_key_env: MY_ENGINE_KEY
 *     dimensions: 384                    # optional: otherwise the engine is asked once at start
 * </pre>
 *
 * The store records the embedder's identity (wire format, address and model): a store made with another embedder
 * (the in-process one, or another model or address) is refused at start, naming both.
 */
public record EmbeddingsConfig(String endpoint, String model, String provider, String engine, String apiKeyEnv,
                               Integer dimensions) {

    /** The engine embedder the section asks for, or empty for the in-process default; errors name the key. */
    public static Optional<Embedder> embedder(KairosConfig config) {
        return endpoint(config).map(e -> Embedder.engine(Engines.embeddings(e.endpoint()), e.dimensions()));
    }

    /** The endpoint and dimension (0: ask the engine), or empty when the section names no endpoint. */
    public record Resolved(Endpoint endpoint, int dimensions) {
    }

    public static Optional<Resolved> endpoint(KairosConfig config) {
        JsonNode section = config.memory().get("embeddings");
        String source = config.source();
        if (section == null || section.isNull()) {
            return Optional.empty();
        }
        if (!section.isObject()) {
            throw new ConfigException(source + ": memory.embeddings: must be a mapping, not " + section.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        EmbeddingsConfig c = ConfigLoader.bind(source, "memory.embeddings", section, EmbeddingsConfig.class);
        if (c.endpoint() == null || c.endpoint().isBlank()) {
            if (c.model() != null || c.provider() != null || c.dimensions() != null || c.apiKeyEnv() != null || c.engine() != null) {
                throw new ConfigException(source + ": memory.embeddings.endpoint: is required (an engine URL or an inference endpoint's name)");
            }
            return Optional.empty();
        }
        if (config.memory().hasNonNull("embedder")) {
            throw new ConfigException(source + ": memory.embedder and memory.embeddings.endpoint: choose one (the in-process model "
                    + "or an engine's embeddings)");
        }
        if (c.dimensions() != null && (c.dimensions() < 1 || c.dimensions() > 8192)) {
            throw new ConfigException(source + ": memory.embeddings.dimensions: must be between 1 and 8192, was " + c.dimensions());
        }
        String text = c.endpoint().trim();
        Endpoint endpoint;
        var named = text.contains("://") ? java.util.List.<Endpoint>of()
                : InferenceConfig.settings(config).endpoints().stream().filter(e -> text.equals(e.name())).toList();
        if (!named.isEmpty()) {
            endpoint = named.getFirst();
            if (c.model() != null) {
                endpoint = endpoint.withModel(c.model().trim());
            }
        } else {
            if (!text.startsWith("http://") && !text.startsWith("https://")) {
                throw new ConfigException(source + ": memory.embeddings.endpoint: not an http(s) URL and no inference endpoint is named '"
                        + text + "'");
            }
            if (c.model() == null || c.model().isBlank()) {
                throw new ConfigException(source + ": memory.embeddings.model: is required with memory.embeddings.endpoint "
                        + text + " (the embedding model the engine serves)");
            }
            try {
                endpoint = InferenceConfig.endpoint(new InferenceConfig.EndpointConfig("memory-embeddings", text, c.model().trim(),
                        c.provider(), c.engine(), null, null, null, null, c.apiKeyEnv(), null, null, null),
                        config.env(), Path.of("").toAbsolutePath());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source + ": memory.embeddings." + e.getMessage());
            }
        }
        return Optional.of(new Resolved(endpoint, c.dimensions() == null ? 0 : c.dimensions()));
    }
}
