package dev.kairos.inference;

import java.util.List;

/**
 * An engine's embedding endpoint: OpenAI-style {@code POST /v1/embeddings} (vLLM, llama.cpp's {@code llama-server
 * --embeddings}, SGLang, LM Studio) or Ollama's {@code POST /api/embed}. Made by {@link Engines#embeddings}; calls
 * block, are bounded by the endpoint's total timeout and retried as chat calls are (429/503/reset).
 */
public interface EmbeddingClient {

    /** One vector per text, in the order of {@code texts}, from one request. */
    List<float[]> embed(List<String> texts);

    /** The endpoint, for logs and errors. */
    InferenceSettings.Endpoint endpoint();
}
