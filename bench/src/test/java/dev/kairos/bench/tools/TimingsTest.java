package dev.kairos.bench.tools;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The figures the fan-out and agent benchmarks report: medians and efficiency. */
class TimingsTest {

    @Test
    void medianIsTheMiddleOfTheSortedTimesAndTheMeanOfTheTwoMiddleOnesForAnEvenCount() {
        assertEquals(205.0, Timings.of(List.of(400.0, 201.0, 205.0)).median());
        assertEquals(203.0, Timings.of(List.of(210.0, 201.0, 205.0, 200.0)).median(), 1e-9);
        Timings t = Timings.of(List.of(3.0, 1.0, 2.0));
        assertEquals(1.0, t.min());
        assertEquals(3.0, t.max());
        assertEquals("2.0 (1.0–3.0)", t.summary());
    }

    @Test
    void efficiencyIsTheIdealTimeOverTheMeasuredOneAndTheGoalEdgeIs210MillisecondsFor200() {
        assertEquals(100.0, Timings.efficiency(200, 200), 1e-9);
        assertEquals(50.0, Timings.efficiency(200, 400), 1e-9);
        assertEquals(95.0, Timings.efficiency(200, 200 / 0.95), 1e-9);
        assertEquals(95.24, Timings.efficiency(200, 210), 0.01);
    }

    @Test
    void badInputIsRefusedWithTheValueNamed() {
        assertThrows(IllegalArgumentException.class, () -> Timings.of(List.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Timings.of(List.of(1.0, Double.NaN)));
        assertEquals("timings: NaN ms is not a duration", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Timings.efficiency(200, 0));
    }
}
