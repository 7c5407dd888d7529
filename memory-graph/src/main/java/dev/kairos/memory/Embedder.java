package dev.kairos.memory;

import java.util.List;

/** Turns text into a fixed-dimension vector; in-process by default, an engine's /v1/embeddings later. */
public interface Embedder extends AutoCloseable {

    float[] embed(String text);

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
