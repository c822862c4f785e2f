package io.zkrecipes.campaign;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.text.DecimalFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The picture of a run: one lane per worker, with a dot per operation at its start (green ok, red
 * failed, orange unknown; each workload on a row of its own in the lane, in the order of
 * {@link Workload#NAMES} from below), a bar over the lane for each fault on that worker, a lane at
 * the bottom for server faults and for what the campaign did itself after the run, a red stroke
 * across a lane where a checker placed a violation, and grey lines where the run settled and
 * where the workers were stopped.
 */
final class Timeline {
    private static final Color OK = new Color(0x2e7d32);
    private static final Color FAILED = new Color(0xc62828);
    private static final Color UNKNOWN = new Color(0xef6c00);
    private static final Color VIOLATION = new Color(0xd50000);
    private static final Color PHASE = new Color(0x9e9e9e);
    /** Room between two workloads' rows in a lane, and the height of a fault bar over the lane's line. */
    private static final double ROW = 0.15;
    private static final double FAULT_BAR = 0.42;
    /** Violations drawn at most: a control run may have hundreds, and each is a series of its own. */
    private static final int MAX_MARKS = 100;
    /** Room left of the start for the lanes' names, as a share of the run's length. */
    private static final double LABELS_ROOM = 0.05;
    private static final Map<Fault.Kind, Color> FAULT_COLORS = new EnumMap<>(Map.of(
            Fault.Kind.KILL_SERVER, new Color(0x6a1b9a),
            Fault.Kind.KILL_TWO_SERVERS, new Color(0x000000),
            Fault.Kind.CUT_SHORT, new Color(0x90caf9),
            Fault.Kind.CUT_LONG, new Color(0x1565c0),
            Fault.Kind.DROP_REPLIES, new Color(0x00897b),
            Fault.Kind.PAUSE, new Color(0x8d6e63),
            Fault.Kind.PAUSE_HOLDER, new Color(0x4e342e)));

    private Timeline() {
    }

    static void write(Path png, String title, int workers, Campaign.Result result) throws IOException {
        long startMono = result.startMono();
        XYChart chart = new XYChartBuilder().width(1400).height(180 + 90 * (workers + 1))
                .title(title + " (rows of a lane, from below: " + String.join(", ", Workload.NAMES) + ")")
                .xAxisTitle("seconds since the start").yAxisTitle("lanes").build();
        XYStyler styler = chart.getStyler();
        styler.setYAxisMin(-0.7);
        styler.setYAxisMax(workers + 0.7);
        double labelsAt = -LABELS_ROOM * seconds(result.stopMono(), startMono);
        styler.setXAxisMin(2 * labelsAt);
        styler.setYAxisTicksVisible(false);
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setMarkerSize(4);
        styler.setChartBackgroundColor(Color.WHITE);
        addLaneLabels(chart, workers, labelsAt);
        chart.setCustomXAxisTickLabelsFormatter(x -> x < 0 ? " " : new DecimalFormat("0.#").format(x));
        addOperations(chart, startMono, result.operations());
        addFaults(chart, startMono, result.faults());
        addPhase(chart, "settled", seconds(result.settleMono(), startMono), workers, new float[] {4f, 4f});
        addPhase(chart, "stopped", seconds(result.stopMono(), startMono), workers, null);
        addViolations(chart, startMono, result.verdicts());
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** The lanes' names, in the room left of the start. */
    private static void addLaneLabels(XYChart chart, int workers, double x) {
        for (int lane = 0; lane <= workers; lane++) {
            String name = lane == 0 ? "servers" : Campaign.workerName(lane - 1);
            chart.addAnnotation(new AnnotationText(name, x, lane, false));
        }
    }

    /** The lane of a worker; the bottom one for the campaign itself. */
    private static int laneOf(String worker) {
        return Campaign.workerIndex(worker) + 1;
    }

    /** A workload's row within a lane: the first in {@link Workload#NAMES} lowest, the lane's line in the middle. */
    private static double rowOf(String workload) {
        int index = Math.max(0, Workload.NAMES.indexOf(workload));
        return (index - (Workload.NAMES.size() - 1) / 2.0) * ROW;
    }

    private static void addOperations(XYChart chart, long startMono, List<Operation> ops) {
        for (Operation.Outcome outcome : Operation.Outcome.values()) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (Operation o : ops) {
                if (o.outcome() == outcome) {
                    xs.add(seconds(o.startMono(), startMono));
                    ys.add(laneOf(o.worker()) + rowOf(o.workload()));
                }
            }
            if (xs.isEmpty()) {
                continue;
            }
            XYSeries s = chart.addSeries(outcome.name().toLowerCase(java.util.Locale.ROOT) + " (" + xs.size() + ")",
                    xs, ys);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setMarkerColor(outcome == Operation.Outcome.OK ? OK : outcome == Operation.Outcome.FAILED ? FAILED : UNKNOWN);
        }
    }

    private static void addFaults(XYChart chart, long startMono, List<FaultWindow> faults) {
        Set<Fault.Kind> inLegend = new HashSet<>();
        int n = 0;
        for (FaultWindow f : faults) {
            double y = f.workerLane() < 0 ? 0 : f.workerLane() + 1 + FAULT_BAR;
            XYSeries s = chart.addSeries(inLegend.add(f.kind()) ? f.kind().label() : "fault " + (n++),
                    new double[] {seconds(f.startMono(), startMono), seconds(f.endMono(), startMono)},
                    new double[] {y, y});
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(FAULT_COLORS.get(f.kind()));
            s.setLineStyle(new BasicStroke(f.workerLane() < 0 ? 10f : 6f));
            s.setShowInLegend(s.getName().equals(f.kind().label()));
        }
    }

    private static void addPhase(XYChart chart, String name, double at, int workers, float[] dashes) {
        XYSeries s = chart.addSeries(name, new double[] {at, at}, new double[] {-0.5, workers + 0.5});
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(PHASE);
        s.setLineStyle(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, dashes, 0f));
    }

    /** A red stroke across the lane, at the moment of each operation a violation names. */
    private static void addViolations(XYChart chart, long startMono, List<Checker.Verdict> verdicts) {
        int n = 0;
        for (Checker.Verdict v : verdicts) {
            for (Checker.Mark m : v.marks()) {
                if (n >= MAX_MARKS) {
                    return;
                }
                double x = seconds(m.mono(), startMono);
                int lane = laneOf(m.worker());
                XYSeries s = chart.addSeries(n == 0 ? "violation" : "violation " + n, new double[] {x, x},
                        new double[] {lane - 0.48, lane + 0.48});
                s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                s.setMarker(SeriesMarkers.NONE);
                s.setLineColor(VIOLATION);
                s.setLineStyle(new BasicStroke(3f));
                s.setShowInLegend(n == 0);
                n++;
            }
        }
    }

    private static double seconds(long mono, long startMono) {
        return (mono - startMono) / 1e9;
    }
}
