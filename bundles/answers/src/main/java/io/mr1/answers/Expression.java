package io.mr1.answers;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads an answer as a number: a small recursive-descent evaluator for the forms counting
 * and geometry answers take (integers, decimals, {@code a/b}, {@code \frac{a}{b}}, square
 * roots written {@code √3}, {@code √{3}} or {@code \sqrt{3}}, pi, implicit products such as
 * {@code 2√{3}} or {@code \frac{3}{2}√{3}}, sums, parentheses, counting words), followed
 * by an optional unit that is ignored. Stateless: every call parses with its own cursor.
 */
final class Expression {

    /** Nesting deeper than this is treated as unreadable instead of risking the stack. */
    private static final int MAX_DEPTH = 40;

    /** Longer answers are not parsed: real answers are short, and this bounds the work. */
    private static final int MAX_LENGTH = 400;

    private static final Map<String, Integer> NUMBER_WORDS = Map.ofEntries(
            Map.entry("zero", 0), Map.entry("one", 1), Map.entry("two", 2), Map.entry("three", 3),
            Map.entry("four", 4), Map.entry("five", 5), Map.entry("six", 6), Map.entry("seven", 7),
            Map.entry("eight", 8), Map.entry("nine", 9), Map.entry("ten", 10), Map.entry("eleven", 11),
            Map.entry("twelve", 12), Map.entry("thirteen", 13), Map.entry("fourteen", 14),
            Map.entry("fifteen", 15), Map.entry("sixteen", 16), Map.entry("seventeen", 17),
            Map.entry("eighteen", 18), Map.entry("nineteen", 19), Map.entry("twenty", 20),
            Map.entry("thirty", 30), Map.entry("forty", 40), Map.entry("fifty", 50), Map.entry("sixty", 60),
            Map.entry("seventy", 70), Map.entry("eighty", 80), Map.entry("ninety", 90));

    /** Scale words multiply the number before them: {@code 3 thousand} is 3000, {@code 2 dozen} is 24. */
    private static final Map<String, Double> SCALE_WORDS = Map.of("dozen", 12.0, "hundred", 100.0, "thousand", 1e3,
            "million", 1e6, "billion", 1e9);

    /**
     * Words that join alternatives or operations, or plural scale words ({@code 3 thousands}
     * is not a number): text after a number holding one is not a unit.
     */
    private static final Set<String> NOT_UNITS = Set.of("or", "and", "to", "plus", "minus", "times", "over", "pi", "sqrt",
            "dozens", "hundreds", "thousands", "millions", "billions");

    /**
     * Latin words of one or two letters that are units. Any other such word after a number is
     * a variable ({@code 2x}, {@code 3 ab}), which makes the answer an expression with an
     * unknown, not a number: {@code 2x} must not equal 2.
     */
    private static final Set<String> SHORT_UNITS = Set.of("m", "cm", "mm", "dm", "km", "nm", "um", "g", "kg", "mg", "t",
            "l", "ml", "s", "ms", "h", "hr", "ft", "in", "yd", "mi", "lb", "oz");

    /** Operator and command characters: a bracket group holding one is a factor, never a restatement. */
    private static final String OPERATORS = "+-*/^√π\\{}[]()=:,";

    /**
     * A unit after the value: up to three words of letters (any script, so {@code 米} and
     * {@code 海里} count), each optionally squared or cubed ({@code cm²}, {@code cm^{2}},
     * {@code cm^2^}), joined by spaces, {@code /} or {@code .}.
     */
    private static final String UNIT_WORD = "\\p{L}+(?:\\^\\{?[23]\\}?\\^?|[²³])?";
    private static final Pattern UNIT = Pattern.compile(
            "\\s*(?:" + UNIT_WORD + "(?:[\\s/.]+" + UNIT_WORD + "){0,2})?\\.?\\s*");

    /** Thousands groups such as 1,000 or 12,345,678 (not 1,5 nor 1,0000). */
    private static final Pattern THOUSANDS = Pattern.compile("(?<![\\d.,])(\\d{1,3}(?:,\\d{3})+)(?![\\d,])");

    /** LaTeX text wrappers, whose content is kept ({@code \text{cm}} is a unit). */
    private static final Pattern TEXT_COMMAND = Pattern.compile("\\\\(?:text|mathrm|textrm|mbox|rm)\\s*\\{([^{}]*)\\}");

    private Expression() {
    }

    /**
     * The value of an answer, units ignored.
     *
     * @param text an answer, already stripped of tags and wrappers
     * @return its value, or null when the text is not a number or expression followed by at most a unit
     */
    static Double value(String text) {
        if (text == null || text.length() > MAX_LENGTH) {
            return null;
        }
        try {
            String normalised = normalise(text);
            Restated restated = restatements(normalised);
            Cursor cursor = new Cursor(restated == null ? normalised : restated.text());
            cursor.skipSpaces();
            if (cursor.atEnd()) {
                return null;
            }
            double value = cursor.expression(0);
            if (!Double.isFinite(value) || !isUnit(cursor.rest())) {
                return null;
            }
            if (restated != null) {
                for (double again : restated.values()) {
                    if (!Answers.close(value, again)) {
                        return null;
                    }
                }
            }
            return value;
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            // Unreadable input is an ordinary outcome here, not a fault: the caller falls back to text.
            return null;
        }
    }

    /**
     * Rewrites the many spellings of one symbol into one, so the parser sees few forms.
     * Degree marks go: an angle is compared as its number.
     *
     * @param text answer text
     * @return the text with one spelling per symbol ({@code *}, {@code /}, {@code -}, {@code π}, {@code √}, {@code \frac})
     */
    static String normalise(String text) {
        String s = TEXT_COMMAND.matcher(text).replaceAll("$1");
        s = s.replace("\\left", "").replace("\\right", "")
                .replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
                .replace("\\cdot", "*").replace("\\times", "*").replace('×', '*').replace('·', '*')
                .replace('∙', '*').replace('÷', '/').replace("\\div", "/")
                .replace('−', '-').replace('–', '-')
                .replace("\\pi", "π").replace("\\sqrt", "√")
                .replace("^{\\circ}", "").replace("^\\circ", "").replace("\\circ", "").replace("\\degree", "")
                .replace("°", "").replace("˚", "").replace("º", "")
                .replace("\\,", "").replace("\\;", "").replace("\\!", "").replace("\\:", "").replace("\\ ", " ")
                .replace('~', ' ');
        return THOUSANDS.matcher(s).replaceAll(m -> m.group(1).replace(",", ""));
    }

    private static boolean isUnit(String rest) {
        if (!UNIT.matcher(rest).matches()) {
            return false;
        }
        for (String word : rest.toLowerCase(Locale.ROOT).split("[^\\p{L}]+")) {
            if (NOT_UNITS.contains(word) || NUMBER_WORDS.containsKey(word) || SCALE_WORDS.containsKey(word)) {
                return false;
            }
            if (word.length() <= 2 && isAsciiWord(word) && !SHORT_UNITS.contains(word)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiWord(String word) {
        for (int i = 0; i < word.length(); i++) {
            if (!isAsciiLetter(word.charAt(i))) {
                return false;
            }
        }
        return !word.isEmpty();
    }

    /**
     * The value of a text whose number is restated in brackets, as in {@code 4 (four)} or
     * {@code 70° (seventy degrees)}: the bracket group is not a factor (which would make
     * {@code 4 (four)} 16) but a second statement of the value, which must agree. A group
     * is a restatement when something stands before it, it holds no operator and reads as
     * a number, and either a space separates it from what stands before or it holds no
     * digit ({@code 2(3)} stays a product; {@code 2(√2-1)} always is one).
     *
     * @param text normalised answer text
     * @return the text without its restatements and their values, or null when there is none
     */
    private static Restated restatements(String text) {
        List<Double> values = new ArrayList<>();
        StringBuilder kept = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            int close = c == '(' ? text.indexOf(')', i) : -1;
            if (close > i && isRestatement(text, i, close)) {
                Double value = value(text.substring(i + 1, close));
                if (value != null) {
                    values.add(value);
                    i = close + 1;
                    continue;
                }
            }
            kept.append(c);
            i++;
        }
        return values.isEmpty() ? null : new Restated(kept.toString(), values);
    }

    private static boolean isRestatement(String text, int open, int close) {
        String before = text.substring(0, open).stripTrailing();
        if (before.isEmpty() || before.endsWith("√") || before.toLowerCase(Locale.ROOT).endsWith("sqrt")
                || OPERATORS.indexOf(before.charAt(before.length() - 1)) >= 0 && !before.endsWith(")")
                        && !before.endsWith("}")) {
            return false;
        }
        boolean digits = false;
        for (int i = open + 1; i < close; i++) {
            char c = text.charAt(i);
            if (OPERATORS.indexOf(c) >= 0) {
                return false;
            }
            digits |= isDigit(c);
        }
        boolean spaced = before.length() < open;
        return spaced || !digits;
    }

    /** A text with its bracketed restatements taken out, and their values. */
    private record Restated(String text, List<Double> values) {
    }

    /** One parse: a position in the normalised text. Not shared between calls. */
    private static final class Cursor {
        private final String s;
        private int pos;

        Cursor(String s) {
            this.s = s;
        }

        boolean atEnd() {
            return pos >= s.length();
        }

        String rest() {
            return s.substring(pos);
        }

        void skipSpaces() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        /** Peeks past spaces; -1 at the end. */
        int peek() {
            skipSpaces();
            return atEnd() ? -1 : s.charAt(pos);
        }

        boolean accept(char c) {
            if (peek() == c) {
                pos++;
                return true;
            }
            return false;
        }

        void expect(char c) {
            if (!accept(c)) {
                throw new IllegalArgumentException("expected '" + c + "' at " + pos);
            }
        }

        /** The run of ASCII letters at the cursor (after spaces), not consumed. */
        String peekWord() {
            skipSpaces();
            int end = pos;
            while (end < s.length() && isAsciiLetter(s.charAt(end))) {
                end++;
            }
            return s.substring(pos, end).toLowerCase(Locale.ROOT);
        }

        // expression := term (('+' | '-') term)*
        double expression(int depth) {
            if (depth > MAX_DEPTH) {
                throw new IllegalArgumentException("too deep");
            }
            double value = term(depth);
            while (true) {
                if (accept('+')) {
                    value += term(depth);
                } else if (accept('-')) {
                    value -= term(depth);
                } else {
                    return value;
                }
            }
        }

        // term := unary (('*' | '/') unary | implicit-product)*
        double term(int depth) {
            double value = unary(depth);
            while (true) {
                if (accept('*')) {
                    value *= unary(depth);
                } else if (accept('/')) {
                    value /= unary(depth);
                } else if (startsImplicitFactor()) {
                    value *= power(depth);
                } else {
                    return value;
                }
            }
        }

        /**
         * Whether a factor follows without an operator, as in 2√3 or 2π or 2(1+√3). A plain
         * number never does ("2 3" must not read as 6), nor a bare brace group, which only
         * groups the arguments of a command.
         */
        boolean startsImplicitFactor() {
            int c = peek();
            if (c == '√' || c == 'π' || c == '(') {
                return true;
            }
            if (c == '\\') {
                return s.startsWith("\\frac", pos);
            }
            String word = peekWord();
            return word.equals("pi") || word.equals("sqrt");
        }

        // unary := ('-' | '+') unary | power
        double unary(int depth) {
            if (depth > MAX_DEPTH) {
                throw new IllegalArgumentException("too deep");
            }
            if (accept('-')) {
                return -unary(depth + 1);
            }
            if (accept('+')) {
                return unary(depth + 1);
            }
            return power(depth);
        }

        // power := primary ('^' unary)?
        double power(int depth) {
            double base = primary(depth);
            if (accept('^')) {
                return Math.pow(base, unary(depth + 1));
            }
            return base;
        }

        // primary := number | word | π | √ radicand | \frac arg arg | (expression) | {expression}
        double primary(int depth) {
            if (depth > MAX_DEPTH) {
                throw new IllegalArgumentException("too deep");
            }
            int c = peek();
            if (c == '(') {
                pos++;
                double value = expression(depth + 1);
                expect(')');
                return value;
            }
            if (c == '{') {
                pos++;
                double value = expression(depth + 1);
                expect('}');
                return value;
            }
            if (c == 'π') {
                pos++;
                return Math.PI;
            }
            if (c == '√') {
                pos++;
                return root(depth);
            }
            if (c == '\\' && s.startsWith("\\frac", pos)) {
                pos += "\\frac".length();
                double numerator = fracArgument(depth);
                return numerator / fracArgument(depth);
            }
            if (isDigit(c) || c == '.') {
                return scaled(number());
            }
            return word(depth);
        }

        // √[n]x, √{x}, √(x), √3, √π: the radicand binds tighter than any operator.
        double root(int depth) {
            double degree = 2;
            if (accept('[')) {
                degree = expression(depth + 1);
                expect(']');
            }
            double radicand = primary(depth + 1);
            if (radicand < 0) {
                throw new IllegalArgumentException("negative radicand");
            }
            return degree == 2 ? Math.sqrt(radicand) : Math.pow(radicand, 1 / degree);
        }

        // LaTeX lets \frac32 mean 3/2: an unbraced argument is a single digit.
        double fracArgument(int depth) {
            int c = peek();
            if (isDigit(c)) {
                pos++;
                return c - '0';
            }
            return primary(depth + 1);
        }

        double number() {
            int start = pos;
            while (pos < s.length() && isDigit(s.charAt(pos))) {
                pos++;
            }
            if (pos < s.length() && s.charAt(pos) == '.' && pos + 1 < s.length() && isDigit(s.charAt(pos + 1))) {
                pos++;
                while (pos < s.length() && isDigit(s.charAt(pos))) {
                    pos++;
                }
            }
            if (pos == start) {
                throw new IllegalArgumentException("no number at " + pos);
            }
            return Double.parseDouble(s.substring(start, pos));
        }

        // Words: pi, sqrt, and counting words up to ninety-nine ("twenty-one", "twenty one").
        double word(int depth) {
            String word = peekWord();
            if (word.isEmpty()) {
                throw new IllegalArgumentException("unexpected character at " + pos);
            }
            if (word.equals("pi")) {
                pos += word.length();
                return Math.PI;
            }
            if (word.equals("sqrt")) {
                pos += word.length();
                return root(depth);
            }
            Integer value = NUMBER_WORDS.get(word);
            if (value == null) {
                throw new IllegalArgumentException("not a number word: " + word);
            }
            pos += word.length();
            if (value >= 20 && value % 10 == 0) {
                int save = pos;
                if (pos < s.length() && (s.charAt(pos) == '-' || s.charAt(pos) == ' ')) {
                    pos++;
                    String next = peekWord();
                    Integer ones = NUMBER_WORDS.get(next);
                    if (ones != null && ones >= 1 && ones <= 9) {
                        pos += next.length();
                        return scaled(value + ones);
                    }
                }
                pos = save;
            }
            return scaled(value);
        }

        /** A number followed by scale words ({@code 3 thousand}, {@code two hundred}, {@code 2 dozen}) is their product. */
        double scaled(double value) {
            double result = value;
            while (true) {
                int save = pos;
                String word = peekWord();
                Double scale = SCALE_WORDS.get(word);
                if (word.isEmpty() || scale == null) {
                    pos = save;
                    return result;
                }
                pos += word.length();
                result *= scale;
            }
        }
    }

    // ASCII only: full-width digits and letters are deliberately not read as numbers.
    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isAsciiLetter(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
