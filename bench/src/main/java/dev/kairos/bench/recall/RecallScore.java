package dev.kairos.bench.recall;

import dev.kairos.bench.recall.Conversations.Question;
import dev.kairos.bench.recall.Conversations.Type;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Recall@k over questions: the share of a question's evidence turns in the first k results, averaged per type. */
public final class RecallScore {
    private final int[] ks;
    private final Map<Type, double[]> sums = new EnumMap<>(Type.class);
    private final Map<Type, Integer> counts = new EnumMap<>(Type.class);
    private final double[] all;
    private int total;

    public RecallScore(int... ks) {
        this.ks = ks.clone();
        this.all = new double[ks.length];
    }

    /** The share of {@code evidence} within the first {@code k} of {@code ranked}. */
    public static double recall(List<String> ranked, Set<String> evidence, int k) {
        if (evidence.isEmpty()) throw new IllegalArgumentException("a question needs evidence");
        long found = ranked.subList(0, Math.min(k, ranked.size())).stream().distinct().filter(evidence::contains).count();
        return (double) found / evidence.size();
    }

    /** Adds one question's ranked turn ids. */
    public void add(Question q, List<String> ranked) {
        double[] s = sums.computeIfAbsent(q.type(), t -> new double[ks.length]);
        for (int i = 0; i < ks.length; i++) {
            double r = recall(ranked, q.evidence(), ks[i]);
            s[i] += r;
            all[i] += r;
        }
        counts.merge(q.type(), 1, Integer::sum);
        total++;
    }

    /** Mean recall@ks[i] of a type, in percent; NaN if no question of that type. */
    public double percent(Type type, int i) {
        Integer n = counts.get(type);
        return n == null ? Double.NaN : 100 * sums.get(type)[i] / n;
    }

    /** Mean recall@ks[i] over all questions, in percent. */
    public double percent(int i) {
        return total == 0 ? Double.NaN : 100 * all[i] / total;
    }

    public int count(Type type) {
        return counts.getOrDefault(type, 0);
    }

    public int count() {
        return total;
    }
}
