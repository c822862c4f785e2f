package io.zkrecipes.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
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
    void median_ofNoValuesIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Stats.median(new double[0]));
    }

    @Test
    void figure_latencyReadsNearestRankMedianAndP99ToThreeDigits() {
        Figure f = Figure.latency(samples(IntStream.rangeClosed(1, 200).mapToDouble(i -> 201 - i).toArray()));
        assertWithinThreeDigits(100.0, f.p50());
        assertWithinThreeDigits(198.0, f.p99());
        assertEquals(200, f.samples());
    }

    @Test
    void figure_latencyP99OfFewSamplesIsTheLargest() {
        assertWithinThreeDigits(9.0, Figure.latency(samples(9, 1, 5)).p99());
    }

    @Test
    void figure_latencyKeepsSubMillisecondValues() {
        Figure f = Figure.latency(samples(0.1, 0.1, 0.2));
        assertWithinThreeDigits(0.1, f.p50());
        assertWithinThreeDigits(0.2, f.p99());
    }

    @Test
    void figure_latencyRejectsNoSamplesAndOutOfRangeOnes() {
        assertThrows(IllegalArgumentException.class, () -> Figure.latency(new Samples()));
        assertThrows(IllegalArgumentException.class, () -> Figure.latency(samples(-1)));
        assertThrows(IllegalArgumentException.class, () -> Figure.latency(samples(TimeUnit.HOURS.toMillis(2))));
    }

    @Test
    void figure_rateIsTheExactMedianWithoutP99() {
        Figure f = Figure.rate(samples(400, 100, 300, 200));
        assertEquals(250.0, f.p50());
        assertTrue(Double.isNaN(f.p99()));
        assertEquals("p50 250 items/s", f.format("items/s"));
    }

    @Test
    void target_checksTheRatioAgainstTheBoundOfLoopbackOrLink() {
        Target latency = Target.atMost(0.7, 0.5);
        assertTrue(latency.met(0.6, false));
        assertFalse(latency.met(0.6, true));
        assertFalse(latency.met(0.8, false));
        Target rate = Target.atLeast(1.5, 2);
        assertTrue(rate.met(1.8, false));
        assertFalse(rate.met(1.8, true));
        assertTrue(rate.met(2.0, true));
        assertEquals(">= 2.00x", rate.describe(true));
    }

    private static Samples samples(double... values) {
        Samples s = new Samples();
        for (double v : values) {
            s.add(v);
        }
        return s;
    }

    /** The histogram reports the top of the bucket holding a value: at or above it, by under 0.1%. */
    private static void assertWithinThreeDigits(double expected, double actual) {
        assertTrue(actual >= expected && actual <= expected * 1.001,
                "expected " + expected + " to 3 digits, was " + actual);
    }
}
