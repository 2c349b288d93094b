package io.mr1.tasks.internal;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reads answers as numbers. Two readers: {@link #integer} for counts (a number or a
 * counting word, nothing else) and {@link #expression} for geometry (units and degree
 * signs ignored; fractions, square roots and multiples of pi by value). Both return null
 * for text they do not read, so a judge can fall back to comparing text.
 */
public final class AnswerValues {

    /** Counting words, index = value; models write "seven" as often as "7". */
    public static final List<String> NUMBER_WORDS = List.of("zero", "one", "two", "three", "four", "five", "six",
            "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
            "seventeen", "eighteen", "nineteen", "twenty");

    private static final String NUM = "-?\\d+(?:\\.\\d+)?";
    private static final Pattern NUMBER = Pattern.compile(NUM);
    private static final Pattern DEGREES = Pattern.compile("\\^\\{?\\\\circ\\}?|\\\\circ|°|˚|degrees?|度");
    /** A trailing unit of length, area, time or distance at sea, as GeoQA writes them. */
    private static final Pattern UNIT = Pattern.compile(
            "(?:cm|mm|dm|km|m|平方厘米|平方米|厘米|毫米|分米|千米|米|海里|小时|秒|units?)(?:\\^\\{?[23]\\}?\\^?|²|³)?$");
    private static final Pattern SPACE = Pattern.compile("\\s+");

    private AnswerValues() {
    }

    /**
     * Reads a count: a number ({@code 7}, {@code 7.0}) or a counting word from zero to
     * twenty, with an optional final full stop.
     *
     * @param text answer text, possibly null
     * @return the value, or null when the text is not one number
     */
    public static Double integer(String text) {
        if (text == null) {
            return null;
        }
        String s = withoutFullStop(text.strip()).toLowerCase(Locale.ROOT);
        if (NUMBER.matcher(s).matches()) {
            return Double.valueOf(s);
        }
        int word = NUMBER_WORDS.indexOf(s);
        return word >= 0 ? Double.valueOf(word) : null;
    }

    /**
     * Reads a geometry answer by value: {@code 70}, {@code 70°}, {@code 70^\circ},
     * {@code 70 degrees}, {@code 3cm}, {@code 12/5}, {@code \frac{12}{5}}, {@code √3},
     * {@code 2√{3}}, {@code 2\sqrt{3}}, {@code 4π}, and sums, products and quotients of
     * those ({@code \frac{√{3}}{2}}, {@code 6√{2}-6}); {@code $...$} and a whole
     * {@code \boxed{...}} are unwrapped, a trailing unit dropped. Anything else is null.
     *
     * @param text answer text, possibly null
     * @return the value, or null when the text is not such an expression
     */
    public static Double expression(String text) {
        if (text == null) {
            return null;
        }
        String s = SPACE.matcher(text).replaceAll("").replace("$", "").replace("\\dfrac", "\\frac")
                .replace("\\left", "").replace("\\right", "");
        if (s.startsWith("\\boxed{") && s.endsWith("}")) {
            s = s.substring("\\boxed{".length(), s.length() - 1);
        }
        s = withoutFullStop(s);
        s = DEGREES.matcher(s).replaceAll("");
        s = UNIT.matcher(s).replaceFirst("");
        if (s.isEmpty()) {
            return null;
        }
        Double value = new Arithmetic(s).value();
        return value == null || value.isNaN() || value.isInfinite() ? null : value;
    }

    private static String withoutFullStop(String s) {
        String out = s;
        while (out.endsWith(".") || out.endsWith("。")) {
            out = out.substring(0, out.length() - 1).strip();
        }
        return out;
    }

    /**
     * Whether two values are equal up to rounding (relative 1e-6, absolute 1e-9).
     *
     * @param a one value
     * @param b the other
     * @return whether they are equal
     */
    public static boolean same(double a, double b) {
        return Math.abs(a - b) <= Math.max(1e-9, 1e-6 * Math.max(Math.abs(a), Math.abs(b)));
    }
}
