package dev.kairos.memory.internal;

import dev.kairos.inference.EmbeddingClient;
import dev.kairos.inference.InferenceSettings;
import dev.kairos.memory.Embedder;
import dev.kairos.memory.MemoryStoreException;

import java.util.ArrayList;
import java.util.List;

/**
 * Embeddings from an inference engine ({@code /v1/embeddings} or Ollama's {@code /api/embed}) instead of in-process.
 * Its name carries the wire format, the address and the model, so a store made with another embedder is refused.
 */
public final class EngineEmbedder implements Embedder {
    /** Texts per request when embedding many. */
    static final int BATCH = 64;

    private final EmbeddingClient client;
    private final String name;
    private volatile int dimension;

    /** @param dimension the model's dimension, or 0 to ask the engine once (the first call) */
    public EngineEmbedder(EmbeddingClient client, int dimension) {
        if (dimension < 0 || dimension > 8192) {
            throw new IllegalArgumentException("memory.embeddings.dimensions: must be between 1 and 8192, was " + dimension);
        }
        this.client = client;
        this.dimension = dimension;
        this.name = identity(client.endpoint());
    }

    /** {@code engine:openai:http://127.0.0.1:8000:bge-small-en-v1.5}: wire format, address (without a trailing /v1) and model. */
    public static String identity(InferenceSettings.Endpoint e) {
        String url = e.url().toString();
        while (url.endsWith("/")) url = url.substring(0, url.length() - 1);
        if (url.endsWith("/v1")) url = url.substring(0, url.length() - 3);
        return "engine:" + e.provider().name().toLowerCase(java.util.Locale.ROOT) + ":" + url + ":" + e.model();
    }

    @Override
    public float[] embed(String text) {
        return checked(client.embed(List.of(text))).getFirst();
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        List<float[]> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i += BATCH) {
            out.addAll(checked(client.embed(texts.subList(i, Math.min(texts.size(), i + BATCH)))));
        }
        return out;
    }

    private List<float[]> checked(List<float[]> vectors) {
        int d = dimension();
        for (float[] v : vectors) {
            if (v.length != d) {
                throw new MemoryStoreException("the embedding engine " + client.endpoint().url() + " answered " + v.length
                        + " dimensions, expected " + d + " (memory.embeddings.dimensions or the model's own)", null);
            }
        }
        return vectors;
    }

    @Override
    public String name() {
        return name;
    }

    /** The configured dimension, or the length of one vector the engine makes (asked once, at start). */
    @Override
    public int dimension() {
        int d = dimension;
        if (d == 0) {
            synchronized (this) {
                if (dimension == 0) {
                    try {
                        dimension = client.embed(List.of("dimension probe")).getFirst().length;
                    } catch (RuntimeException e) {
                        throw new MemoryStoreException("the embedding engine " + client.endpoint().url() + " (memory.embeddings) "
                                + "did not answer: " + e.getMessage(), e);
                    }
                }
                d = dimension;
            }
        }
        return d;
    }
}
