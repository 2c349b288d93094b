package io.mr1.reward.accuracy;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Extracts the answer from a completion and compares it with a ground truth. All
 * methods are static and pure, so the reward that uses them is stateless and thread-safe.
 */
final class Answers {

    /** Relative tolerance of a value comparison: answers like 2.4 vs 12/5 differ only by rounding. */
    static final double RELATIVE_TOLERANCE = 1e-6;

    /** Absolute tolerance, for values at or near zero where a relative one is meaningless. */
    static final double ABSOLUTE_TOLERANCE = 1e-9;

    private static final String OPEN = "<answer>";
    private static final String CLOSE = "</answer>";

    /** A truth that is one choice letter. */
    private static final Pattern TRUTH_LETTER = Pattern.compile("\\(?\\s*([A-Ea-e])\\s*\\)?");

    /**
     * An answer naming a choice: the letter alone ({@code A}, {@code (a)}, {@code A.}), or
     * an upper-case letter followed by {@code .}, {@code :} or {@code )} and the option's
     * text ({@code B. 30°}, {@code (B) 30°}); a lower-case letter followed by text is more
     * likely a word ("a triangle") and is not read as a choice.
     */
    private static final Pattern ANSWER_LETTER = Pattern.compile(
            "\\(?\\s*([A-Ea-e])\\s*\\)?|\\(?([A-E])(?:\\)|[.:])(?:\\s.*|[^A-Za-z].*)?", Pattern.DOTALL);

    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private Answers() {
    }

    /**
     * The content of the last {@code <answer>...</answer>} block, trimmed. Tags inside the
     * block are matched innermost: in {@code <answer><answer>5</answer></answer>} the answer is 5.
     *
     * @param completion a completion, possibly null
     * @return the answer text, or null when no opening tag has a closing tag after it
     */
    static String extract(String completion) {
        if (completion == null) {
            return null;
        }
        // The last opening tag that is closed later: a trailing unclosed tag does not hide an earlier block.
        int open = completion.lastIndexOf(OPEN);
        while (open >= 0) {
            int close = completion.indexOf(CLOSE, open + OPEN.length());
            if (close >= 0) {
                return completion.substring(open + OPEN.length(), close).strip();
            }
            open = open == 0 ? -1 : completion.lastIndexOf(OPEN, open - 1);
        }
        return null;
    }

    /**
     * Removes what wraps an answer without changing it: math delimiters ({@code $...$},
     * {@code $$...$$}, {@code \(...\)}, {@code \[...\]}), a whole {@code \boxed{...}} or
     * {@code \text{...}}, markdown bold, and trailing periods. Repeated until stable, so
     * {@code $\boxed{7}$.} becomes {@code 7}.
     *
     * @param text answer text
     * @return the text without its wrappers, trimmed
     */
    static String unwrap(String text) {
        String s = text.strip();
        for (int round = 0; round < 8; round++) {
            String before = s;
            s = stripPair(s, "$$", "$$");
            s = stripPair(s, "$", "$");
            s = stripPair(s, "\\(", "\\)");
            s = stripPair(s, "\\[", "\\]");
            s = stripPair(s, "**", "**");
            s = stripCommand(s, "\\boxed");
            s = stripCommand(s, "\\text");
            while (s.endsWith(".") || s.endsWith("。")) {
                s = s.substring(0, s.length() - 1).strip();
            }
            if (s.equals(before)) {
                break;
            }
        }
        return s;
    }

    private static String stripPair(String s, String left, String right) {
        if (s.length() >= left.length() + right.length() && s.startsWith(left) && s.endsWith(right)) {
            return s.substring(left.length(), s.length() - right.length()).strip();
        }
        return s;
    }

    /** {@code \boxed{X}} to X, only when the command's braces enclose the whole rest. */
    private static String stripCommand(String s, String command) {
        if (!s.startsWith(command) || !s.endsWith("}")) {
            return s;
        }
        int brace = command.length();
        while (brace < s.length() && Character.isWhitespace(s.charAt(brace))) {
            brace++;
        }
        if (brace >= s.length() || s.charAt(brace) != '{' || closingBrace(s, brace) != s.length() - 1) {
            return s;
        }
        return s.substring(brace + 1, s.length() - 1).strip();
    }

    private static int closingBrace(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The value of an unwrapped answer. A chain such as {@code angle CED = 180° - 80° = 100°}
     * is read as its last member: members that are not numbers (a name such as {@code x}
     * or {@code angle CED}, a formula with unknowns) are skipped, and every member that is
     * a number must agree with the last, so a chain that contradicts itself has no value.
     *
     * @param text unwrapped answer text
     * @return the value, or null when the text (or the last member of a chain) does not read as a number
     */
    static Double value(String text) {
        String[] members = text.split("=", -1);
        Double last = member(members[members.length - 1]);
        if (last == null) {
            return null;
        }
        for (int i = 0; i < members.length - 1; i++) {
            Double member = member(members[i]);
            if (member != null && !close(member, last)) {
                return null;
            }
        }
        return last;
    }

    /** One member: an expression with an optional unit, or a ratio {@code a:b} read as a/b. */
    private static Double member(String text) {
        int colon = text.indexOf(':');
        if (colon >= 0 && colon == text.lastIndexOf(':')) {
            Double antecedent = Expression.value(text.substring(0, colon));
            Double consequent = Expression.value(text.substring(colon + 1));
            if (antecedent == null || consequent == null || consequent == 0) {
                return null;
            }
            return antecedent / consequent;
        }
        return Expression.value(text);
    }

    /**
     * Whether two values are equal within {@link #RELATIVE_TOLERANCE} of the larger
     * magnitude or {@link #ABSOLUTE_TOLERANCE}, whichever is looser.
     *
     * @param a one value
     * @param b the other value
     * @return whether they are equal within the tolerance
     */
    static boolean close(double a, double b) {
        double scale = Math.max(Math.abs(a), Math.abs(b));
        return Math.abs(a - b) <= Math.max(ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE * scale);
    }

    /**
     * The text compared when values are not available.
     *
     * @param text unwrapped answer text
     * @return the text without any whitespace, in lower case
     */
    static String normaliseText(String text) {
        return WHITESPACE.matcher(text).replaceAll("").toLowerCase(Locale.ROOT);
    }

    /**
     * Judges one completion against a ground truth.
     *
     * @param completion the completion text, possibly null
     * @param solution the ground truth, possibly null; an {@code <answer>} wrapping is removed
     * @return the score (0 or 1) and its diagnostics
     */
    static Judgement judge(String completion, String solution) {
        Map<String, String> diagnostics = new LinkedHashMap<>();
        String extracted = extract(completion);
        if (extracted == null || solution == null) {
            diagnostics.put("extracted", "");
            diagnostics.put("method", extracted == null ? "no-answer-tags" : "no-solution");
            return new Judgement(false, diagnostics);
        }
        diagnostics.put("extracted", extracted);
        String answer = unwrap(extracted);
        String wrappedTruth = extract(solution);
        String truth = unwrap(wrappedTruth == null ? solution : wrappedTruth);

        Matcher truthLetter = TRUTH_LETTER.matcher(truth);
        if (truthLetter.matches()) {
            Matcher answerLetter = ANSWER_LETTER.matcher(answer);
            if (answerLetter.matches()) {
                String letter = answerLetter.group(1) != null ? answerLetter.group(1) : answerLetter.group(2);
                diagnostics.put("method", "choice");
                diagnostics.put("choice", letter.toUpperCase(Locale.ROOT));
                return new Judgement(letter.equalsIgnoreCase(truthLetter.group(1)), diagnostics);
            }
        }

        Double answerValue = value(answer);
        Double truthValue = value(truth);
        if (answerValue != null) {
            diagnostics.put("value", format(answerValue));
        }
        if (truthValue != null) {
            diagnostics.put("truth_value", format(truthValue));
        }
        if (answerValue != null && truthValue != null) {
            diagnostics.put("method", "value");
            return new Judgement(close(answerValue, truthValue), diagnostics);
        }
        diagnostics.put("method", "text");
        return new Judgement(normaliseText(answer).equals(normaliseText(truth)), diagnostics);
    }

    private static String format(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return String.format(Locale.ROOT, "%.10g", value).replaceFirst("\\.?0+$", "");
    }

    /**
     * The outcome of judging one completion.
     *
     * @param correct whether the answer equals the truth
     * @param diagnostics what was read: {@code extracted}, {@code method}, and {@code value},
     *     {@code truth_value} or {@code choice} where they apply
     */
    record Judgement(boolean correct, Map<String, String> diagnostics) {
    }
}
