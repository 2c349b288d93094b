package io.mr1.task.geometryreasoning;

import io.mr1.tasks.support.Drawing;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Arc2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Point2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Draws a {@link Figure} the way textbook diagrams look: black lines on white, the
 * figure scaled to fill a square image with room for labels, point names beside their
 * points (away from the lines meeting there), arcs with numbers at numbered angles,
 * a square at a marked right angle and a dot at a circle's centre.
 */
final class DiagramRenderer {

    private static final Color INK = new Color(25, 25, 25);

    private final int size;
    private final float line;
    private final float fontSize;

    DiagramRenderer(int size) {
        this.size = size;
        this.line = Math.max(1f, size / 170f);
        this.fontSize = size * 0.062f;
    }

    BufferedImage render(Figure figure) {
        BufferedImage image = Drawing.image(size, size);
        Graphics2D g = Drawing.graphics(image);
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, size, size);
            Map<String, Point2D.Double> screen = toScreen(figure);
            g.setColor(INK);
            g.setStroke(new BasicStroke(line, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            double scale = scale(figure);
            if (figure.circleCentre() != null) {
                Point2D.Double c = screen.get(figure.circleCentre());
                double r = figure.circleRadius() * scale;
                g.draw(new Ellipse2D.Double(c.x - r, c.y - r, 2 * r, 2 * r));
                double dot = Math.max(2, size / 110.0);
                g.fill(new Ellipse2D.Double(c.x - dot, c.y - dot, 2 * dot, 2 * dot));
            }
            for (List<String> s : figure.segments()) {
                g.draw(new Line2D.Double(screen.get(s.get(0)), screen.get(s.get(1))));
            }
            List<Point2D.Double> labels = new ArrayList<>();
            for (Figure.Mark m : figure.marks()) {
                mark(g, m, screen, labels);
            }
            for (String name : figure.points().keySet()) {
                if (!name.startsWith("_")) {
                    Point2D.Double at = labelPosition(figure, name, screen, labels, scale);
                    LabelFont.drawCentred(g, name, fontSize, at.x, at.y);
                    labels.add(at);
                }
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    /** Pixels per problem unit: the larger extent of the figure fills the image less a margin for labels. */
    private double scale(Figure figure) {
        double[] b = bounds(figure);
        double margin = size * 0.13;
        return (size - 2 * margin) / Math.max(b[2] - b[0], b[3] - b[1]);
    }

    private static double[] bounds(Figure figure) {
        double minX = Double.POSITIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        for (Point2D.Double p : figure.points().values()) {
            minX = Math.min(minX, p.x);
            minY = Math.min(minY, p.y);
            maxX = Math.max(maxX, p.x);
            maxY = Math.max(maxY, p.y);
        }
        if (figure.circleCentre() != null) {
            Point2D.Double c = figure.p(figure.circleCentre());
            double r = figure.circleRadius();
            minX = Math.min(minX, c.x - r);
            minY = Math.min(minY, c.y - r);
            maxX = Math.max(maxX, c.x + r);
            maxY = Math.max(maxY, c.y + r);
        }
        return new double[] {minX, minY, maxX, maxY};
    }

    /** Problem coordinates (y up) to pixels (y down), the figure centred. */
    private Map<String, Point2D.Double> toScreen(Figure figure) {
        double[] b = bounds(figure);
        double scale = scale(figure);
        double ox = (size - (b[2] - b[0]) * scale) / 2;
        double oy = (size - (b[3] - b[1]) * scale) / 2;
        Map<String, Point2D.Double> out = new java.util.LinkedHashMap<>();
        figure.points().forEach((name, p) ->
                out.put(name, new Point2D.Double(ox + (p.x - b[0]) * scale, oy + (b[3] - p.y) * scale)));
        return out;
    }

    private void mark(Graphics2D g, Figure.Mark m, Map<String, Point2D.Double> screen, List<Point2D.Double> labels) {
        Point2D.Double v = screen.get(m.vertex());
        double a1 = direction(v, screen.get(m.from()));
        double a2 = direction(v, screen.get(m.to()));
        double extent = Math.IEEEremainder(a2 - a1, 360);
        if (m.right()) {
            double s = size * 0.04;
            double[] u = unit(a1);
            double[] w = unit(a2);
            Path2D.Double square = new Path2D.Double();
            square.moveTo(v.x + u[0] * s, v.y + u[1] * s);
            square.lineTo(v.x + (u[0] + w[0]) * s, v.y + (u[1] + w[1]) * s);
            square.lineTo(v.x + w[0] * s, v.y + w[1] * s);
            g.draw(square);
            return;
        }
        double r = size * 0.055;
        g.draw(new Arc2D.Double(v.x - r, v.y - r, 2 * r, 2 * r, a1, extent, Arc2D.OPEN));
        if (!m.label().isEmpty()) {
            double[] mid = unit(a1 + extent / 2);
            double d = r + fontSize * 0.6;
            Point2D.Double at = new Point2D.Double(v.x + mid[0] * d, v.y + mid[1] * d);
            LabelFont.drawCentred(g, m.label(), fontSize * 0.85f, at.x, at.y);
            labels.add(at);
        }
    }

    /** Direction from a to b in degrees, counter-clockwise as seen on screen (Arc2D's convention). */
    private static double direction(Point2D a, Point2D b) {
        return Math.toDegrees(Math.atan2(a.getY() - b.getY(), b.getX() - a.getX()));
    }

    /** Screen unit vector of a direction in Arc2D's convention. */
    private static double[] unit(double degrees) {
        double rad = Math.toRadians(degrees);
        return new double[] {Math.cos(rad), -Math.sin(rad)};
    }

    /**
     * Where a point's label goes: in its preferred direction ({@link #labelDirection})
     * when that leaves room, else in whichever of 16 directions is farthest from every
     * line, the circle, the labels already placed and the image's edge.
     */
    private Point2D.Double labelPosition(Figure figure, String name, Map<String, Point2D.Double> screen,
            List<Point2D.Double> labels, double scale) {
        Point2D.Double p = screen.get(name);
        double offset = fontSize * 0.85;
        double[] dir = labelDirection(figure, name, screen);
        Point2D.Double best = new Point2D.Double(p.x + dir[0] * offset, p.y + dir[1] * offset);
        double bestClearance = clearance(best, figure, screen, labels, scale);
        if (bestClearance >= fontSize * 0.55) {
            return best;
        }
        for (int k = 0; k < 16; k++) {
            double[] u = unit(k * 22.5);
            Point2D.Double c = new Point2D.Double(p.x + u[0] * offset, p.y + u[1] * offset);
            double clearance = clearance(c, figure, screen, labels, scale);
            if (clearance > bestClearance) {
                best = c;
                bestClearance = clearance;
            }
        }
        return best;
    }

    /** Distance from a label centre to the nearest thing drawn (labels count as a font size across). */
    private double clearance(Point2D.Double c, Figure figure, Map<String, Point2D.Double> screen,
            List<Point2D.Double> labels, double scale) {
        double min = Math.min(Math.min(c.x, size - c.x), Math.min(c.y, size - c.y));
        for (List<String> s : figure.segments()) {
            min = Math.min(min, Line2D.ptSegDist(screen.get(s.get(0)).x, screen.get(s.get(0)).y,
                    screen.get(s.get(1)).x, screen.get(s.get(1)).y, c.x, c.y));
        }
        if (figure.circleCentre() != null) {
            min = Math.min(min, Math.abs(c.distance(screen.get(figure.circleCentre())) - figure.circleRadius() * scale));
        }
        for (Point2D.Double other : labels) {
            min = Math.min(min, c.distance(other) - fontSize * 0.5);
        }
        return min;
    }

    /**
     * Where a point's label goes by preference, as a screen unit vector: the figure's fixed direction;
     * else outward for a point on the circle; else away from the lines that meet at the
     * point; else (lines through it in opposite directions) away from the figure's centre.
     */
    private static double[] labelDirection(Figure figure, String name, Map<String, Point2D.Double> screen) {
        Double fixed = figure.labelDirection(name);
        if (fixed != null) {
            return unit(fixed);
        }
        Point2D.Double p = screen.get(name);
        if (figure.circleCentre() != null && !name.equals(figure.circleCentre())) {
            Point2D.Double c = figure.p(figure.circleCentre());
            if (Math.abs(figure.p(name).distance(c) - figure.circleRadius()) < 1e-9 * figure.circleRadius() + 1e-12) {
                return normalised(p.x - screen.get(figure.circleCentre()).x, p.y - screen.get(figure.circleCentre()).y);
            }
        }
        double sx = 0;
        double sy = 0;
        for (List<String> s : figure.segments()) {
            String other = s.get(0).equals(name) ? s.get(1) : s.get(1).equals(name) ? s.get(0) : null;
            if (other != null) {
                double[] u = normalised(screen.get(other).x - p.x, screen.get(other).y - p.y);
                sx += u[0];
                sy += u[1];
            }
        }
        if (Math.hypot(sx, sy) > 0.3) {
            return normalised(-sx, -sy);
        }
        double cx = 0;
        double cy = 0;
        for (Point2D.Double q : screen.values()) {
            cx += q.x / screen.size();
            cy += q.y / screen.size();
        }
        if (Math.hypot(p.x - cx, p.y - cy) > 1) {
            return normalised(p.x - cx, p.y - cy);
        }
        return normalised(-1, 1);
    }

    private static double[] normalised(double x, double y) {
        double n = Math.hypot(x, y);
        return n == 0 ? new double[] {0, 1} : new double[] {x / n, y / n};
    }
}
