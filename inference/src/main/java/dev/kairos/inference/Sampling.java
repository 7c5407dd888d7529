package dev.kairos.inference;

import java.util.List;

/** Sampling parameters; a null field is left to the engine's default. */
public record Sampling(Double temperature, Double topP, Integer topK, Double repetitionPenalty,
                       Double presencePenalty, Double frequencyPenalty, Integer maxTokens,
                       List<String> stop, Long seed) {
    public static final Sampling DEFAULTS = new Sampling(null, null, null, null, null, null, null, List.of(), null);

    public Sampling {
        stop = stop == null ? List.of() : List.copyOf(stop);
        check("temperature", temperature, 0, 2);
        check("top_p", topP, 0, 1);
        check("presence_penalty", presencePenalty, -2, 2);
        check("frequency_penalty", frequencyPenalty, -2, 2);
        if (repetitionPenalty != null && repetitionPenalty <= 0) {
            throw new IllegalArgumentException("repetition_penalty: must be > 0, was " + repetitionPenalty);
        }
        if (topK != null && topK < 0) {
            throw new IllegalArgumentException("top_k: must be >= 0, was " + topK);
        }
        if (maxTokens != null && maxTokens <= 0) {
            throw new IllegalArgumentException("max_tokens: must be > 0, was " + maxTokens);
        }
    }

    private static void check(String key, Double v, double min, double max) {
        if (v != null && (v < min || v > max || v.isNaN())) {
            throw new IllegalArgumentException(key + ": must be in [" + min + ", " + max + "], was " + v);
        }
    }

    public Sampling withTemperature(double t) {
        return new Sampling(t, topP, topK, repetitionPenalty, presencePenalty, frequencyPenalty, maxTokens, stop, seed);
    }

    public Sampling withMaxTokens(int n) {
        return new Sampling(temperature, topP, topK, repetitionPenalty, presencePenalty, frequencyPenalty, n, stop, seed);
    }

    public Sampling withSeed(long s) {
        return new Sampling(temperature, topP, topK, repetitionPenalty, presencePenalty, frequencyPenalty, maxTokens, stop, s);
    }

    public Sampling withStop(List<String> s) {
        return new Sampling(temperature, topP, topK, repetitionPenalty, presencePenalty, frequencyPenalty, maxTokens, s, seed);
    }
}
