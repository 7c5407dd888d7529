package dev.kairos.memory.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Rank fusion and reranking over candidate ids: reciprocal rank fusion, maximal marginal relevance. */
final class Fusion {
    /** The usual RRF constant: damps the difference between rank 1 and rank 2 of one method. */
    static final int RRF_K = 60;

    private Fusion() {}

    /** Σ 1/(k + rank) over the ranked lists; best first, ties kept in first-seen order. */
    static LinkedHashMap<String, Double> rrf(List<List<String>> rankings) {
        Map<String, Double> score = new LinkedHashMap<>();
        for (List<String> ranking : rankings)
            for (int i = 0; i < ranking.size(); i++) score.merge(ranking.get(i), 1.0 / (RRF_K + i + 1), Double::sum);
        return sorted(score);
    }

    /** One method's ranked ids and the weight of its vote. */
    record Ranking(double weight, List<String> ids) {}

    /**
     * Weighted reciprocal rank fusion: Σ weight/(k + rank) over the rankings; best first, ties kept in first-seen
     * order. Weights say how much each method's ranking is worth (measured on the recall benchmark).
     */
    static LinkedHashMap<String, Double> weightedRrf(List<Ranking> rankings, int k) {
        if (k < 1) throw new IllegalArgumentException("k must be positive, was " + k);
        Map<String, Double> score = new LinkedHashMap<>();
        for (Ranking r : rankings) {
            if (r.weight() < 0) throw new IllegalArgumentException("weights must not be negative, was " + r.weight());
            for (int i = 0; i < r.ids().size(); i++) score.merge(r.ids().get(i), r.weight() / (k + i + 1), Double::sum);
        }
        return sorted(score);
    }

    /**
     * Greedy MMR: repeatedly take the candidate with the best λ·sim(query, c) − (1−λ)·max sim(c, chosen).
     * Candidates without a vector keep their order at the end.
     */
    static LinkedHashMap<String, Double> mmr(List<String> candidates, Map<String, float[]> vectors, float[] query,
                                             double lambda, int limit) {
        List<String> pool = new ArrayList<>();
        List<String> without = new ArrayList<>();
        for (String c : candidates) (vectors.get(c) != null && query != null ? pool : without).add(c);
        Map<String, Double> relevance = new HashMap<>();
        for (String c : pool) relevance.put(c, cosine(query, vectors.get(c)));
        LinkedHashMap<String, Double> chosen = new LinkedHashMap<>();
        while (!pool.isEmpty() && chosen.size() < limit) {
            String best = null;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (String c : pool) {
                double redundancy = 0;
                for (String s : chosen.keySet()) redundancy = Math.max(redundancy, cosine(vectors.get(c), vectors.get(s)));
                double score = lambda * relevance.get(c) - (1 - lambda) * redundancy;
                if (score > bestScore) {
                    bestScore = score;
                    best = c;
                }
            }
            chosen.put(best, bestScore);
            pool.remove(best);
        }
        for (String c : without) if (chosen.size() < limit) chosen.put(c, 0.0);
        return chosen;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    static LinkedHashMap<String, Double> sorted(Map<String, Double> score) {
        LinkedHashMap<String, Double> out = new LinkedHashMap<>();
        score.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
                .forEachOrdered(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }
}
