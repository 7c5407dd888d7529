package dev.kairos.memory.internal;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Weighted reciprocal rank fusion. */
class FusionTest {

    @Test
    void equalWeightsAreThePlainRrf() {
        List<List<String>> lists = List.of(List.of("a", "b", "c"), List.of("c", "d"));
        var plain = Fusion.rrf(lists);
        var weighted = Fusion.weightedRrf(List.of(new Fusion.Ranking(1, lists.get(0)), new Fusion.Ranking(1, lists.get(1))), Fusion.RRF_K);
        assertEquals(List.copyOf(plain.keySet()), List.copyOf(weighted.keySet()));
        assertEquals(plain.get("c"), weighted.get("c"), 1e-12);
        assertEquals(1.0 / 63 + 1.0 / 61, weighted.get("c"), 1e-12);
    }

    @Test
    void aHeavierMethodWinsTheTopAndAgreementStillCounts() {
        List<String> bm25 = List.of("x", "y", "z");
        List<String> vector = List.of("y", "v", "x");
        // Equal votes: y is on top (ranks 2 and 1).
        assertEquals("y", Fusion.weightedRrf(List.of(new Fusion.Ranking(1, bm25), new Fusion.Ranking(1, vector)), 60).firstEntry().getKey());
        // BM25 worth three times the vector: x (BM25's first) wins though the vector ranks it third.
        var w = Fusion.weightedRrf(List.of(new Fusion.Ranking(3, bm25), new Fusion.Ranking(1, vector)), 60);
        assertEquals(List.of("x", "y", "z", "v"), List.copyOf(w.keySet()));
        assertEquals(3.0 / 61 + 1.0 / 63, w.get("x"), 1e-12);
        // A weight of zero silences a method: its ids keep a zero score after every voted one.
        var silent = Fusion.weightedRrf(List.of(new Fusion.Ranking(0, bm25), new Fusion.Ranking(1, vector)), 60);
        assertEquals(List.of("y", "v", "x", "z"), List.copyOf(silent.keySet()));
        // A small k makes the top ranks count more: y (ranks 2 and 1) beats x (1 and 3) more clearly.
        var sharp = Fusion.weightedRrf(List.of(new Fusion.Ranking(1, bm25), new Fusion.Ranking(1, vector)), 1);
        assertEquals(1.0 / 3 + 1.0 / 2, sharp.get("y"), 1e-12);
    }

    @Test
    void badWeightsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Fusion.weightedRrf(List.of(new Fusion.Ranking(-1, List.of("a"))), 60));
        assertThrows(IllegalArgumentException.class, () -> Fusion.weightedRrf(List.of(new Fusion.Ranking(1, List.of("a"))), 0));
    }
}
