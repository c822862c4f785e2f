package io.zkrecipes.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void median_oddCountIsMiddleValue() {
        assertEquals(3.0, Stats.median(new double[] {5, 1, 3}));
    }

    @Test
    void median_evenCountIsMeanOfMiddleValues() {
        assertEquals(2.5, Stats.median(new double[] {4, 1, 3, 2}));
    }

    @Test
    void median_doesNotReorderInput() {
        double[] values = {3, 1, 2};
        Stats.median(values);
        assertEquals(3.0, values[0]);
    }

    @Test
    void percentile_nearestRankOfHundredValues() {
        double[] values = IntStream.rangeClosed(1, 100).mapToDouble(i -> 101 - i).toArray();
        assertEquals(99.0, Stats.percentile(values, 99));
        assertEquals(50.0, Stats.percentile(values, 50));
        assertEquals(100.0, Stats.percentile(values, 100));
    }

    @Test
    void percentile_ofFewValuesIsLargest() {
        assertEquals(9.0, Stats.percentile(new double[] {9, 1, 5}, 99));
    }

    @Test
    void percentile_singleValue() {
        assertEquals(7.0, Stats.percentile(new double[] {7}, 1));
    }

    @Test
    void emptyOrBadPercentileRejected() {
        assertThrows(IllegalArgumentException.class, () -> Stats.median(new double[0]));
        assertThrows(IllegalArgumentException.class, () -> Stats.percentile(new double[] {1}, 0));
        assertThrows(IllegalArgumentException.class, () -> Stats.percentile(new double[] {1}, 101));
    }

    @Test
    void figure_latencyHasMedianAndP99() {
        Samples s = new Samples();
        IntStream.rangeClosed(1, 200).forEach(s::add);
        Figure f = Figure.latency(s);
        assertEquals(100.5, f.p50());
        assertEquals(198.0, f.p99());
        assertEquals(200, f.samples());
    }

    @Test
    void target_checksRatioBound() {
        assertEquals(true, Target.atMost(0.7).met(0.5));
        assertEquals(false, Target.atMost(0.7).met(0.8));
        assertEquals(true, Target.atLeast(1.5).met(2.0));
        assertEquals(false, Target.atLeast(1.5).met(1.2));
    }
}
