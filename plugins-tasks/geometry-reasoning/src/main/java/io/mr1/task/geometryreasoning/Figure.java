package io.mr1.task.geometryreasoning;

import java.awt.geom.Point2D;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A geometry figure in problem coordinates (y up): named points, the segments between
 * them, at most one circle, marks at angles, and where a point's label goes when the
 * renderer's own choice would collide with a line. Names starting with {@code _} are
 * helper points (ends of extended lines) that carry no label.
 */
final class Figure {

    /**
     * A mark drawn at an angle: an arc, with an optional number, or a right-angle square.
     *
     * @param from a point on the first ray
     * @param vertex the vertex
     * @param to a point on the second ray
     * @param label the number written at the arc, or empty
     * @param right whether to draw a right-angle square instead of an arc
     */
    record Mark(String from, String vertex, String to, String label, boolean right) {
    }

    private final Map<String, Point2D.Double> points = new LinkedHashMap<>();
    private final List<List<String>> segments = new ArrayList<>();
    private final List<Mark> marks = new ArrayList<>();
    private final Map<String, Double> labelDirections = new LinkedHashMap<>();
    private String circleCentre;
    private double circleRadius;

    /**
     * Adds or moves a point.
     *
     * @param name its name
     * @param x x
     * @param y y (up)
     * @return this figure
     */
    Figure point(String name, double x, double y) {
        points.put(name, new Point2D.Double(x, y));
        return this;
    }

    /**
     * Adds a polyline through named points, as segments between consecutive ones; listing
     * a point that lies on a line (A, E, B) tells the renderer the line passes through it.
     *
     * @param names at least two point names
     * @return this figure
     */
    Figure path(String... names) {
        for (int i = 0; i + 1 < names.length; i++) {
            segments.add(List.of(names[i], names[i + 1]));
        }
        return this;
    }

    /**
     * Sets the circle.
     *
     * @param centre name of its centre point
     * @param radius its radius
     * @return this figure
     */
    Figure circle(String centre, double radius) {
        this.circleCentre = centre;
        this.circleRadius = radius;
        return this;
    }

    /**
     * Adds a mark.
     *
     * @param mark the mark
     * @return this figure
     */
    Figure mark(Mark mark) {
        marks.add(mark);
        return this;
    }

    /**
     * Fixes where a point's label goes.
     *
     * @param name the point
     * @param degrees direction from the point, counter-clockwise from +x
     * @return this figure
     */
    Figure labelAt(String name, double degrees) {
        labelDirections.put(name, degrees);
        return this;
    }

    /**
     * The figure mirrored (x to -x) if asked, then rotated about the origin. Angles and
     * lengths are unchanged, so the problem's answer still holds; only the picture varies.
     *
     * @param mirror whether to mirror
     * @param degrees rotation, counter-clockwise
     * @return a new figure
     */
    Figure transformed(boolean mirror, double degrees) {
        double rad = Math.toRadians(degrees);
        double cos = Math.cos(rad);
        double sin = Math.sin(rad);
        Figure out = new Figure();
        points.forEach((name, p) -> {
            double x = mirror ? -p.x : p.x;
            out.point(name, x * cos - p.y * sin, x * sin + p.y * cos);
        });
        out.segments.addAll(segments);
        out.marks.addAll(marks);
        labelDirections.forEach((name, d) -> out.labelAt(name, (mirror ? 180 - d : d) + degrees));
        out.circleCentre = circleCentre;
        out.circleRadius = circleRadius;
        return out;
    }

    /**
     * @param name a point name
     * @return the point
     * @throws IllegalArgumentException when there is no such point
     */
    Point2D.Double p(String name) {
        Point2D.Double p = points.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no point " + name);
        }
        return p;
    }

    Map<String, Point2D.Double> points() {
        return Collections.unmodifiableMap(points);
    }

    List<List<String>> segments() {
        return Collections.unmodifiableList(segments);
    }

    List<Mark> marks() {
        return Collections.unmodifiableList(marks);
    }

    Double labelDirection(String name) {
        return labelDirections.get(name);
    }

    /** @return the centre's name, or null when there is no circle */
    String circleCentre() {
        return circleCentre;
    }

    double circleRadius() {
        return circleRadius;
    }

    /**
     * The value of a measure in this figure, computed from the coordinates.
     *
     * @param m the measure
     * @return degrees for an angle, distance for a length
     */
    double measure(Measure m) {
        List<String> n = m.points();
        if (m.isAngle()) {
            return angle(p(n.get(0)), p(n.get(1)), p(n.get(2)));
        }
        return p(n.get(0)).distance(p(n.get(1)));
    }

    /**
     * The angle at a vertex between two rays, 0 to 180 degrees.
     *
     * @param a a point on the first ray
     * @param vertex the vertex
     * @param b a point on the second ray
     * @return the angle in degrees
     */
    static double angle(Point2D a, Point2D vertex, Point2D b) {
        double ux = a.getX() - vertex.getX();
        double uy = a.getY() - vertex.getY();
        double vx = b.getX() - vertex.getX();
        double vy = b.getY() - vertex.getY();
        return Math.toDegrees(Math.abs(Math.atan2(ux * vy - uy * vx, ux * vx + uy * vy)));
    }
}
