package org.apboot.cli;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's charts with XChart, each written as {@code NAME.png} (bitmap) and
 * {@code NAME.svg} (vector, through XChart's VectorGraphics2D dependency). Runs headless.
 */
final class ReportCharts {
    private static final Color[] COLORS = {new Color(0x4C72B0), new Color(0xDD8452), new Color(0x55A868),
        new Color(0xC44E52), new Color(0x8172B3), new Color(0x937860)};

    private ReportCharts() {
    }

    /**
     * A grouped bar chart: one group per category, one bar per series (null: no bar).
     * Returns the PNG and SVG written.
     */
    static List<Path> bars(Path dir, String name, String title, String yTitle, List<String> categories,
                           Map<String, List<Double>> series) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int width = Math.max(720, 90 + categories.size() * (30 + 22 * series.size()));
        int longest = categories.stream().mapToInt(String::length).max().orElse(0);
        boolean rotate = longest * 7 > (width - 90) / Math.max(1, categories.size());
        CategoryChart c = new CategoryChartBuilder().width(width).height(460 + (rotate ? longest * 4 : 0)).title(title)
                .yAxisTitle(yTitle).build();
        Styler s = c.getStyler();
        style(s);
        c.getStyler().setXAxisLabelRotation(rotate ? 35 : 0);
        double max = series.values().stream().flatMap(List::stream).filter(d -> d != null && !d.isNaN())
                .mapToDouble(Double::doubleValue).max().orElse(1);
        c.getStyler().setYAxisMax(max * 1.15); // room for the value labels above the tallest bar
        c.getStyler().setLabelsVisible(categories.size() * series.size() <= 24);
        c.getStyler().setLabelsRotation(90);
        c.getStyler().setLabelsFontColorAutomaticEnabled(false);
        c.getStyler().setLabelsFontColor(Color.DARK_GRAY);
        c.getStyler().setLabelsPosition(0.97);
        c.getStyler().setyAxisTickLabelsFormattingFunction(ReportCharts::axisNumber);
        c.getStyler().setYAxisMin(0.0);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        int i = 0;
        for (Map.Entry<String, List<Double>> e : series.entrySet()) {
            List<Number> ys = new ArrayList<>();
            for (Double d : e.getValue()) {
                ys.add(d == null || d.isNaN() ? null : d);
            }
            c.addSeries(e.getKey(), new ArrayList<>(categories), ys).setFillColor(COLORS[i++ % COLORS.length]);
        }
        return save(c, dir, name);
    }

    /** A line chart with logarithmic axes: one line per series of (x, y) points. */
    static List<Path> logLines(Path dir, String name, String title, String xTitle, String yTitle,
                               Map<String, double[][]> series) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart c = new XYChartBuilder().width(820).height(520).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        style(c.getStyler());
        c.getStyler().setXAxisLogarithmic(true);
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setXAxisDecimalPattern("#,###");
        c.getStyler().setYAxisDecimalPattern("#,###");
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        c.getStyler().setMarkerSize(8);
        int i = 0;
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            XYSeries s = c.addSeries(e.getKey(), e.getValue()[0], e.getValue()[1]);
            Color col = COLORS[i % COLORS.length];
            s.setLineColor(col);
            s.setMarkerColor(col);
            s.setMarker(i % 2 == 0 ? SeriesMarkers.CIRCLE : SeriesMarkers.DIAMOND);
            i++;
        }
        return save(c, dir, name);
    }

    private static void style(Styler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(false);
        s.setChartTitleBoxVisible(false);
        s.setLegendBorderColor(Color.WHITE);
        s.setAntiAlias(true);
    }

    private static List<Path> save(Chart<?, ?> c, Path dir, String name) throws IOException {
        Path png = dir.resolve(name + ".png");
        Path svg = dir.resolve(name + ".svg");
        try (OutputStream out = Files.newOutputStream(png)) {
            BitmapEncoder.saveBitmap(c, out, BitmapEncoder.BitmapFormat.PNG);
        }
        try (OutputStream out = Files.newOutputStream(svg)) {
            VectorGraphicsEncoder.saveVectorGraphic(c, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        }
        return List.of(png, svg);
    }

    /** Axis numbers: 1, 10, 1k, 10k, 1M, 1.5M, 2.5... */
    static String axisNumber(Double v) {
        double a = Math.abs(v);
        if (a >= 1e9) {
            return trim(v / 1e9) + "G";
        } else if (a >= 1e6) {
            return trim(v / 1e6) + "M";
        } else if (a >= 1e3) {
            return trim(v / 1e3) + "k";
        }
        return trim(v);
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, "%.2f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
