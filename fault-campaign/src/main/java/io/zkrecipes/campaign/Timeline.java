package io.zkrecipes.campaign;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The picture of a run: one lane per worker, with a dot per operation at its start (green ok, red
 * failed, orange unknown; lock operations just below the lane's line, election ones just above),
 * a bar over the lane for each fault on that worker, and a lane at the bottom for server faults.
 */
final class Timeline {
    private static final Color OK = new Color(0x2e7d32);
    private static final Color FAILED = new Color(0xc62828);
    private static final Color UNKNOWN = new Color(0xef6c00);
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

    static void write(Path png, String title, int workers, long startMono, List<Operation> ops,
            List<FaultWindow> faults) throws IOException {
        XYChart chart = new XYChartBuilder().width(1400).height(160 + 70 * (workers + 1)).title(title)
                .xAxisTitle("seconds since the start")
                .yAxisTitle("servers at the bottom, then w1 .. w" + workers + " upward").build();
        XYStyler styler = chart.getStyler();
        styler.setYAxisMin(-0.7);
        styler.setYAxisMax(workers + 0.7);
        styler.setYAxisTickMarkSpacingHint(25);
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setMarkerSize(4);
        styler.setChartBackgroundColor(Color.WHITE);
        chart.setCustomYAxisTickLabelsFormatter(y -> lane(y, workers));
        addOperations(chart, startMono, ops);
        addFaults(chart, startMono, faults);
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static String lane(double y, int workers) {
        long lane = Math.round(y);
        if (Math.abs(y - lane) > 1e-6 || lane < 0 || lane > workers) {
            return " ";
        }
        return lane == 0 ? "servers" : Campaign.workerName((int) lane - 1);
    }

    private static void addOperations(XYChart chart, long startMono, List<Operation> ops) {
        for (Operation.Outcome outcome : Operation.Outcome.values()) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (Operation o : ops) {
                if (o.outcome() == outcome) {
                    xs.add(seconds(o.startMono(), startMono));
                    double offset = o.workload().equals(LockWorkload.NAME) ? -0.15 : 0.15;
                    ys.add(Campaign.workerIndex(o.worker()) + 1 + offset);
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
            double y = f.workerLane() < 0 ? 0 : f.workerLane() + 1 + 0.35;
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

    private static double seconds(long mono, long startMono) {
        return (mono - startMono) / 1e9;
    }
}
