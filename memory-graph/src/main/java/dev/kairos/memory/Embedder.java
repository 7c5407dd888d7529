package dev.kairos.memory;

import dev.kairos.memory.internal.LocalEmbedder;

import java.nio.file.Path;
import java.util.List;

/** Turns text into a fixed-dimension vector; in-process by default, an engine's /v1/embeddings later. */
public interface Embedder extends AutoCloseable {

    /**
     * The built-in embedder ({@link MemorySettings#DEFAULT_EMBEDDER}): all-MiniLM-L6-v2 (quantized, 384 dimensions) in-process, no network. Loading takes a
     * second or two; its tokenizer library is extracted under {@code cacheDir} (null: the library's default).
     */
    static Embedder local(Path cacheDir) {
        return LocalEmbedder.load(cacheDir);
    }

    /** An in-process embedder by its {@code memory.embedder} name ({@link MemorySettings#KNOWN_EMBEDDERS}). */
    static Embedder local(String name, Path cacheDir) {
        return LocalEmbedder.load(name, cacheDir);
    }

    /**
     * Embeddings from an inference engine's {@code /v1/embeddings} (vLLM, llama.cpp, SGLang) or Ollama's
     * {@code /api/embed}; {@code dimension} 0 asks the engine once. Its {@link #name()} carries the wire format, the
     * address and the model, so a store made with another embedder is refused at start.
     */
    static Embedder engine(dev.kairos.inference.EmbeddingClient client, int dimension) {
        return new dev.kairos.memory.internal.EngineEmbedder(client, dimension);
    }

    float[] embed(String text);

    /**
     * Embeds a search query. Models trained with a query instruction or prefix (e5, bge) add it here; the stored
     * texts go through {@link #embedAll} / {@link #embed}.
     */
    default float[] embedQuery(String text) {
        return embed(text);
    }

    /** Embeds many texts at once (faster than one by one); same order as the input. */
    default List<float[]> embedAll(List<String> texts) {
        return texts.stream().map(this::embed).toList();
    }

    /** A stable name, recorded in the schema (a different embedder on an existing graph is refused). */
    String name();

    int dimension();

    @Override
    default void close() {}
}
