package io.bucketdb.bench.compare;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
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
        List<StoreSpec> loaded = new ArrayList<>();
        for (StoreSpec s : stores) {
            Run r = Report.find(runs, s, new Workload(Workload.Kind.LOAD, 1));
            if (r != null && r.hlog() != null) {
                loaded.add(s);
            }
        }
        // All stores on one chart: the p99 of each interval.
        XYChart all = latencyChart("Put latency while loading from empty: p99 of each interval of N/200 puts (log scale)");
        for (StoreSpec s : loaded) {
            Series series = Series.read(Report.find(runs, s, new Workload(Workload.Kind.LOAD, 1)).hlog());
            if (!series.x.isEmpty()) {
                all.addSeries(s.name(), series.x, series.p99).setMarker(SeriesMarkers.NONE);
            }
        }
        if (!loaded.isEmpty()) {
            files.add(save(all, outDir, "put-latency-p99.png"));
        }
        // One chart per store: p50, p99 and max of each interval, where the pauses show.
        for (StoreSpec s : loaded) {
            Series series = Series.read(Report.find(runs, s, new Workload(Workload.Kind.LOAD, 1)).hlog());
            if (series.x.isEmpty()) {
                continue;
            }
            XYChart chart = latencyChart("Put latency while loading " + s.label() + " from empty, per interval of N/200 puts (log scale)");
            chart.addSeries("max", series.x, series.max).setMarker(SeriesMarkers.NONE);
            chart.addSeries("p99", series.x, series.p99).setMarker(SeriesMarkers.NONE);
            chart.addSeries("p50", series.x, series.p50).setMarker(SeriesMarkers.NONE);
            files.add(save(chart, outDir, "put-latency-" + s.name() + ".png"));
        }
        return files;
    }

    private static XYChart latencyChart(String title) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("entries loaded").yAxisTitle("put latency (µs)").build();
        chart.getStyler().setXAxisDecimalPattern("#,###");
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setYAxisDecimalPattern("#,##0.#");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        return chart;
    }

    private static String save(XYChart chart, Path outDir, String file) throws IOException {
        BitmapEncoder.saveBitmap(chart, outDir.resolve(file).toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }

    /** Per interval of an hlog: entries loaded at its end, and its p50, p99 and max in µs. */
    private record Series(List<Double> x, List<Double> p50, List<Double> p99, List<Double> max) {
        static Series read(Path hlog) throws IOException {
            Series s = new Series(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            HistogramLogReader reader = new HistogramLogReader(hlog.toFile());
            try {
                long loaded = 0;
                Histogram h;
                while ((h = (Histogram) reader.nextIntervalHistogram()) != null) {
                    loaded += h.getTotalCount();
                    if (h.getTotalCount() == 0) {
                        continue;
                    }
                    s.x.add((double) loaded);
                    // A log axis cannot show zero: floor at 10 ns.
                    s.p50.add(Math.max(0.01, h.getValueAtPercentile(50) / 1e3));
                    s.p99.add(Math.max(0.01, h.getValueAtPercentile(99) / 1e3));
                    s.max.add(Math.max(0.01, h.getMaxValue() / 1e3));
                }
            } finally {
                reader.close();
            }
            return s;
        }
    }
}
