package io.bucketdb.bench.compare;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** PNG charts of a run: throughput per store for each workload, and put latency during the load. */
final class Charts {
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 520;

    private Charts() {
    }

    /** Writes the charts into {@code outDir} and returns their file names. */
    static List<String> write(Path outDir, List<StoreSpec> stores, List<Workload> workloads, List<Run> runs) throws IOException {
        List<String> files = new ArrayList<>();
        for (Workload w : workloads) {
            List<String> names = new ArrayList<>();
            List<Double> values = new ArrayList<>();
            for (StoreSpec s : stores) {
                Run r = Report.find(runs, s, w);
                if (r != null && r.ok() && !Double.isNaN(r.num("opsPerSec"))) {
                    names.add(s.name() + (r.capped() ? " †" : ""));
                    values.add(r.num("opsPerSec"));
                }
            }
            if (names.isEmpty()) {
                continue;
            }
            String unit = Report.metrics(w).stream().filter(m -> m.key().equals("opsPerSec")).findFirst()
                    .map(Report.Metric::header).orElse("ops/s");
            CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                    .title(Report.title(w) + " — " + unit + " (log scale; higher is better)")
                    .xAxisTitle("store").yAxisTitle(unit).build();
            chart.getStyler().setLegendVisible(false);
            chart.getStyler().setYAxisLogarithmic(true);
            // Bars start at zero, which a log axis refuses: start the axis at a power of ten below the smallest bar.
            double min = values.stream().mapToDouble(Double::doubleValue).min().orElse(1);
            chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min))));
            chart.getStyler().setYAxisDecimalPattern("#,###");
            chart.getStyler().setXAxisLabelRotation(20);
            chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
            chart.addSeries(unit, names, values);
            String file = "throughput-" + w.id() + ".png";
            BitmapEncoder.saveBitmap(chart, outDir.resolve(file).toString(), BitmapEncoder.BitmapFormat.PNG);
            files.add(file);
        }
        for (String stat : List.of("max", "p99")) {
            XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                    .title("Put latency while loading from empty, " + stat + " per interval of N/200 puts (log scale)")
                    .xAxisTitle("entries loaded").yAxisTitle(stat + " put latency (µs)").build();
            chart.getStyler().setYAxisLogarithmic(true);
            chart.getStyler().setYAxisDecimalPattern("#,##0.#");
            chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
            chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
            chart.getStyler().setMarkerSize(2);
            boolean any = false;
            for (StoreSpec s : stores) {
                Run r = Report.find(runs, s, new Workload(Workload.Kind.LOAD, 1));
                if (r == null || r.hlog() == null) {
                    continue;
                }
                List<Double> x = new ArrayList<>();
                List<Double> y = new ArrayList<>();
                HistogramLogReader reader = new HistogramLogReader(r.hlog().toFile());
                long loaded = 0;
                Histogram h;
                while ((h = (Histogram) reader.nextIntervalHistogram()) != null) {
                    loaded += h.getTotalCount();
                    if (h.getTotalCount() == 0) {
                        continue;
                    }
                    x.add((double) loaded);
                    y.add(Math.max(0.01, (stat.equals("max") ? h.getMaxValue() : h.getValueAtPercentile(99)) / 1e3));
                }
                reader.close();
                if (!x.isEmpty()) {
                    XYSeries series = chart.addSeries(s.name(), x, y);
                    series.setMarker(SeriesMarkers.CIRCLE);
                    any = true;
                }
            }
            if (any) {
                String file = "put-latency-" + stat + ".png";
                BitmapEncoder.saveBitmap(chart, outDir.resolve(file).toString(), BitmapEncoder.BitmapFormat.PNG);
                files.add(file);
            }
        }
        return files;
    }
}
