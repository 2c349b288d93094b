package io.mr1.trainer.internal;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A small line chart rendered with Java2D to PNG (headless): one or more series over a
 * shared x axis, with axis ticks, labels and a legend. Used for schedule previews and
 * training reports; written here so reports need no plotting dependency.
 */
public final class LinePlot {

    private static final Color[] PALETTE = {new Color(31, 119, 180), new Color(255, 127, 14),
        new Color(44, 160, 44), new Color(214, 39, 40), new Color(148, 103, 189), new Color(140, 86, 75)};
    private static final int WIDTH = 800;
    private static final int HEIGHT = 480;
    private static final int LEFT = 80;
    private static final int RIGHT = 30;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final Map<String, double[][]> series = new LinkedHashMap<>();

    /**
     * Creates an empty plot.
     *
     * @param title the title
     * @param xLabel x axis label
     * @param yLabel y axis label
     */
    public LinePlot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /**
     * Adds a series.
     *
     * @param name legend entry
     * @param x x values
     * @param y y values, same length; NaN points are skipped
     * @return this
     */
    public LinePlot add(String name, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("x and y differ in length");
        }
        series.put(name, new double[][] {x.clone(), y.clone()});
        return this;
    }

    /** @return the chart as an image */
    public BufferedImage render() {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            double[] xr = range(0);
            double[] yr = range(1);
            int plotW = WIDTH - LEFT - RIGHT;
            int plotH = HEIGHT - TOP - BOTTOM;
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            // Grid lines and labels at round values (1, 2 or 5 times a power of ten) inside the range.
            double[] xTicks = ticks(xr[0], xr[1]);
            double[] yTicks = ticks(yr[0], yr[1]);
            g.setColor(new Color(230, 230, 230));
            for (double yv : yTicks) {
                int py = (int) Math.round(TOP + plotH - (yv - yr[0]) / (yr[1] - yr[0]) * plotH);
                g.drawLine(LEFT, py, LEFT + plotW, py);
            }
            for (double xv : xTicks) {
                int px = (int) Math.round(LEFT + (xv - xr[0]) / (xr[1] - xr[0]) * plotW);
                g.drawLine(px, TOP, px, TOP + plotH);
            }
            g.setColor(Color.DARK_GRAY);
            g.drawRect(LEFT, TOP, plotW, plotH);
            for (double yv : yTicks) {
                String yt = tickLabel(yv, yTicks);
                int py = (int) Math.round(TOP + plotH - (yv - yr[0]) / (yr[1] - yr[0]) * plotH);
                g.drawString(yt, LEFT - 8 - g.getFontMetrics().stringWidth(yt), py + 4);
            }
            for (double xv : xTicks) {
                String xt = tickLabel(xv, xTicks);
                int px = (int) Math.round(LEFT + (xv - xr[0]) / (xr[1] - xr[0]) * plotW);
                g.drawString(xt, px - g.getFontMetrics().stringWidth(xt) / 2, TOP + plotH + 18);
            }
            g.drawString(xLabel, LEFT + plotW / 2 - g.getFontMetrics().stringWidth(xLabel) / 2, HEIGHT - 20);
            Graphics2D rotated = (Graphics2D) g.create();
            rotated.rotate(-Math.PI / 2);
            rotated.drawString(yLabel, -(TOP + plotH / 2 + g.getFontMetrics().stringWidth(yLabel) / 2), 18);
            rotated.dispose();
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
            g.drawString(title, LEFT, TOP - 20);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            int colour = 0;
            int legendY = TOP + 16;
            for (Map.Entry<String, double[][]> e : series.entrySet()) {
                Color c = PALETTE[colour++ % PALETTE.length];
                g.setColor(c);
                g.setStroke(new BasicStroke(2f));
                Path2D path = new Path2D.Double();
                boolean started = false;
                double[] xs = e.getValue()[0];
                double[] ys = e.getValue()[1];
                for (int i = 0; i < xs.length; i++) {
                    if (!Double.isFinite(ys[i]) || !Double.isFinite(xs[i])) {
                        started = false;
                        continue;
                    }
                    double px = LEFT + (xs[i] - xr[0]) / (xr[1] - xr[0]) * plotW;
                    double py = TOP + plotH - (ys[i] - yr[0]) / (yr[1] - yr[0]) * plotH;
                    if (started) {
                        path.lineTo(px, py);
                    } else {
                        path.moveTo(px, py);
                        started = true;
                    }
                }
                g.draw(path);
                g.fillRect(LEFT + plotW - 150, legendY - 9, 14, 4);
                g.setColor(Color.DARK_GRAY);
                g.drawString(e.getKey(), LEFT + plotW - 130, legendY - 3);
                legendY += 16;
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    /**
     * Writes the chart as PNG, atomically (a temporary file, then a rename).
     *
     * @param file the target
     * @throws IOException if writing fails
     */
    public void writePng(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // Not Files.createTempFile: it creates the file 0600, and the rename would keep that, making the
        // report's plots unreadable to the other users of a shared server. A plain create honours the umask
        // like every other file of the run folder.
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                if (!ImageIO.write(render(), "png", out)) {
                    throw new IOException("no PNG writer available");
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Min and max over all series for one coordinate, padded so flat lines are visible. */
    private double[] range(int coordinate) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double[][] s : series.values()) {
            for (double v : s[coordinate]) {
                if (Double.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (min == Double.POSITIVE_INFINITY) {
            return new double[] {0, 1};
        }
        if (max - min < 1e-12) {
            double pad = Math.max(Math.abs(min) * 0.1, 1e-3);
            return new double[] {min - pad, max + pad};
        }
        if (coordinate == 1) {
            double pad = (max - min) * 0.05;
            return new double[] {min - pad, max + pad};
        }
        return new double[] {min, max};
    }

    /**
     * About five round tick values within [min, max]: multiples of 1, 2 or 5 times a power of
     * ten, so a step axis reads 0, 20, 40 ... and not 0, 19.8, 39.6.
     */
    static double[] ticks(double min, double max) {
        double span = max - min;
        if (!(span > 0) || !Double.isFinite(span)) {
            return new double[] {min};
        }
        double raw = span / 5;
        double power = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = power * (raw / power < 1.5 ? 1 : raw / power < 3.5 ? 2 : raw / power < 7.5 ? 5 : 10);
        double first = Math.ceil(min / step - 1e-9) * step;
        java.util.List<Double> out = new java.util.ArrayList<>();
        for (double v = first; v <= max + step * 1e-9 && out.size() < 20; v += step) {
            out.add(Math.abs(v) < step * 1e-9 ? 0.0 : v);
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** A tick value with as many decimals as the tick spacing needs (20, 0.04, 2.5e-05). */
    static String tickLabel(double v, double[] ticks) {
        double step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(v);
        double magnitude = Math.max(Math.abs(ticks[0]), Math.abs(ticks[ticks.length - 1]));
        if (step == 0 || step < 1e-4 || magnitude >= 1e6) {
            return format(v);
        }
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String format(double v) {
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e5)) {
            return String.format(Locale.ROOT, "%.1e", v);
        }
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : "%.3g", v);
    }
}
