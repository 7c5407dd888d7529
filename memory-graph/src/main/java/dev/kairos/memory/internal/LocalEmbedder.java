package dev.kairos.memory.internal;

import dev.kairos.memory.Embedder;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** all-MiniLM-L6-v2 (quantized) in-process through ONNX Runtime: 384 dimensions, no network, no GPU. */
public final class LocalEmbedder implements Embedder {
    public static final String NAME = "all-minilm-l6-v2-q";
    private static final int BATCH = 256;

    private final AllMiniLmL6V2QuantizedEmbeddingModel model;

    private LocalEmbedder(AllMiniLmL6V2QuantizedEmbeddingModel model) {
        this.model = model;
    }

    /** Loads the model; DJL extracts its tokenizer library under {@code cacheDir} unless a cache dir is already set. */
    public static LocalEmbedder load(Path cacheDir) {
        if (System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null && cacheDir != null)
            System.setProperty("DJL_CACHE_DIR", cacheDir.toAbsolutePath().toString());
        return new LocalEmbedder(new AllMiniLmL6V2QuantizedEmbeddingModel());
    }

    @Override
    public float[] embed(String text) {
        return model.embed(text).content().vector();
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        List<float[]> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i += BATCH) {
            List<TextSegment> segs = texts.subList(i, Math.min(texts.size(), i + BATCH)).stream().map(TextSegment::from).toList();
            for (Embedding e : model.embedAll(segs).content()) out.add(e.vector());
        }
        return out;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int dimension() {
        return 384;
    }
}
