package io.mr1.task.geometryreasoning;

import java.util.List;

/**
 * A quantity of a figure that a problem states or asks: an angle (three point names,
 * the vertex in the middle) or a length (two point names), with its exact value.
 *
 * @param kind {@code angle} (degrees) or {@code length} (problem units)
 * @param points the point names
 * @param value the exact value
 * @param label the number the diagram writes at the angle ({@code 1}, {@code 2}), or empty
 */
record Measure(String kind, List<String> points, int value, String label) {

    /** Angles are in degrees. */
    public static final String ANGLE = "angle";
    /** Lengths are in the problem's units. */
    public static final String LENGTH = "length";

    /** Copies the point list. */
    public Measure {
        points = List.copyOf(points);
    }

    /**
     * An unlabelled angle.
     *
     * @param name three letters, vertex in the middle, e.g. {@code BAC}
     * @param value degrees
     * @return the measure
     */
    static Measure angle(String name, int value) {
        return angle(name, value, "");
    }

    /**
     * An angle, possibly with a number drawn at it.
     *
     * @param name three point names, vertex in the middle; helper points ({@code _G}) allowed
     * @param value degrees
     * @param label the number drawn at the angle, or empty
     * @return the measure
     */
    static Measure angle(String name, int value, String label) {
        return new Measure(ANGLE, split(name), value, label);
    }

    /**
     * A length.
     *
     * @param name two letters, e.g. {@code AB}
     * @param value the length
     * @return the measure
     */
    static Measure length(String name, int value) {
        return new Measure(LENGTH, split(name), value, "");
    }

    /** Splits "AEF" into A, E, F and "_GEB" into _G, E, B. */
    private static List<String> split(String name) {
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) == '_') {
                out.add(name.substring(i, i + 2));
                i++;
            } else {
                out.add(name.substring(i, i + 1));
            }
        }
        return out;
    }

    /** @return whether this is an angle */
    public boolean isAngle() {
        return ANGLE.equals(kind);
    }
}
