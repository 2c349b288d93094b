package io.mr1.answers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Extracts the answer from a completion and compares it with a ground truth. All
 * methods are static and pure, so whoever uses them stays stateless and thread-safe.
 * Every scan over a completion is linear in its length (no backtracking regular
 * expression ever sees the completion): a runaway model output costs one pass.
 */
public final class Answers {

    /** Relative tolerance of a value comparison: answers like 2.4 vs 12/5 differ only by rounding. */
    public static final double RELATIVE_TOLERANCE = 1e-6;

    /** Absolute tolerance, for values at or near zero where a relative one is meaningless. */
    public static final double ABSOLUTE_TOLERANCE = 1e-9;

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

    /** Answers longer than this are compared as text only. */
    private static final int MAX_VALUE_TEXT = 1000;

    /**
     * The verb of a sentence that states a value, with an optional colon after it. Longer
     * forms first, so {@code is equal to} is one verb. Only whole words count.
     */
    private static final Pattern STATING_VERB = Pattern.compile("(?<![\\p{L}\\d])(?:is equal to|are equal to|equals"
            + "|equal to|is|are|was|were|would be|will be|should be|must be|becomes)(?![\\p{L}\\d])\\s*:?",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);

    private Answers() {
    }

    /**
     * The content of the last {@code <answer>...</answer>} block, trimmed. Tags inside the
     * block are matched innermost: in {@code <answer><answer>5</answer></answer>} the answer is 5,
     * and a trailing unclosed {@code <answer>} does not hide an earlier closed block.
     *
     * <p>Linear: the last closing tag is found once; the block is the last opening tag
     * before it, up to the first closing tag after that opening tag. (That is the last
     * opening tag that has any closing tag after it, with its nearest closing tag.)
     *
     * @param completion a completion, possibly null
     * @return the answer text, or null when no opening tag has a closing tag after it
     */
    public static String extract(String completion) {
        if (completion == null) {
            return null;
        }
        int lastClose = completion.lastIndexOf(CLOSE);
        if (lastClose < OPEN.length()) {
            return null;
        }
        int open = completion.lastIndexOf(OPEN, lastClose - OPEN.length());
        if (open < 0) {
            return null;
        }
        int close = completion.indexOf(CLOSE, open + OPEN.length());
        return completion.substring(open + OPEN.length(), close).strip();
    }

    /**
     * A ground truth as a loader reads it: R1-V's {@code <answer> N </answer>} wrapping
     * removed, trimmed, and never blank (a blank truth would make a blank answer correct).
     *
     * @param raw the ground truth as written in the data
     * @return the truth, trimmed
     * @throws IllegalArgumentException when the truth is null, empty or blank (after unwrapping)
     */
    public static String groundTruth(String raw) {
        if (raw == null) {
            throw new IllegalArgumentException("the ground truth is missing");
        }
        String wrapped = extract(raw);
        String truth = (wrapped == null ? raw : wrapped).strip();
        if (truth.isEmpty()) {
            throw new IllegalArgumentException("the ground truth is empty");
        }
        return truth;
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
    public static String unwrap(String text) {
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
     * A sentence that states a value is such a chain: its verb ({@code is}, {@code are},
     * {@code equals}, ...) reads as {@code =}, so {@code The answer is 3} and
     * {@code There are three objects} are 3, and {@code 2 + 2 is 5} has no value.
     *
     * @param text unwrapped answer text
     * @return the value, or null when the text (or the last member of a chain) does not read as a number
     */
    public static Double value(String text) {
        if (text == null || text.length() > MAX_VALUE_TEXT) {
            // No real answer is this long; the bound keeps the work per completion small.
            return null;
        }
        String[] members = STATING_VERB.matcher(text).replaceAll("=").split("=", -1);
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

    /** Counting words the lenient scan reads, index = value. */
    private static final List<String> COUNTING_WORDS = List.of("zero", "one", "two", "three", "four", "five", "six",
            "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
            "seventeen", "eighteen", "nineteen", "twenty");

    /**
     * The last number anywhere in a text, for evaluation's lenient judgement: a run of
     * ASCII digits with an optional decimal part, not preceded by a digit or a point
     * ({@code 1.2.3} reads 1.2), or with {@code countingWords} a whole word from
     * {@code zero} to {@code twenty} in any case. One forward pass.
     *
     * @param text any text, possibly null
     * @param countingWords whether counting words count
     * @return the last number, or null when there is none
     */
    public static Double lastNumber(String text, boolean countingWords) {
        if (text == null) {
            return null;
        }
        Double last = null;
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (isDigit(c)) {
                int start = i;
                while (i < n && isDigit(text.charAt(i))) {
                    i++;
                }
                if (i + 1 < n && text.charAt(i) == '.' && isDigit(text.charAt(i + 1))) {
                    i++;
                    while (i < n && isDigit(text.charAt(i))) {
                        i++;
                    }
                }
                boolean afterPoint = start > 0 && text.charAt(start - 1) == '.';
                if (!afterPoint) {
                    last = Double.valueOf(text.substring(start, i));
                }
            } else if (isWordChar(c)) {
                // Letters: a counting word only when it is a whole word (no word character either side).
                int start = i;
                while (i < n && isWordChar(text.charAt(i)) && !isDigit(text.charAt(i))) {
                    i++;
                }
                boolean whole = (start == 0 || !isWordChar(text.charAt(start - 1))) && (i == n || !isDigit(text.charAt(i)));
                if (countingWords && whole) {
                    int word = COUNTING_WORDS.indexOf(text.substring(start, i).toLowerCase(Locale.ROOT));
                    last = word >= 0 ? Double.valueOf(word) : last;
                }
            } else {
                i++;
            }
        }
        return last;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isWordChar(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    /**
     * Whether two values are equal within {@link #RELATIVE_TOLERANCE} of the larger
     * magnitude or {@link #ABSOLUTE_TOLERANCE}, whichever is looser.
     *
     * @param a one value
     * @param b the other value
     * @return whether they are equal within the tolerance
     */
    public static boolean close(double a, double b) {
        double scale = Math.max(Math.abs(a), Math.abs(b));
        return Math.abs(a - b) <= Math.max(ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE * scale);
    }

    /**
     * The text compared when values are not available.
     *
     * @param text unwrapped answer text
     * @return the text without any whitespace, in lower case
     */
    public static String normaliseText(String text) {
        return WHITESPACE.matcher(text).replaceAll("").toLowerCase(Locale.ROOT);
    }

    /**
     * Judges one completion against a ground truth.
     *
     * @param completion the completion text, possibly null
     * @param solution the ground truth; an {@code <answer>} wrapping is removed
     * @return the verdict (correct or not) and its diagnostics
     * @throws IllegalArgumentException when the ground truth is null or blank: a blank truth
     *     would make a blank answer correct, so it is a fault of the data, not a verdict
     */
    public static Verdict judge(String completion, String solution) {
        String truth = unwrap(groundTruth(solution));
        if (truth.isEmpty()) {
            throw new IllegalArgumentException("the ground truth is empty");
        }
        Map<String, String> diagnostics = new LinkedHashMap<>();
        String extracted = extract(completion);
        if (extracted == null) {
            diagnostics.put("extracted", "");
            diagnostics.put("method", "no-answer-tags");
            return new Verdict(false, diagnostics);
        }
        diagnostics.put("extracted", extracted);
        String answer = unwrap(extracted);

        Matcher truthLetter = TRUTH_LETTER.matcher(truth);
        if (truthLetter.matches()) {
            Matcher answerLetter = ANSWER_LETTER.matcher(answer);
            if (answerLetter.matches()) {
                String letter = answerLetter.group(1) != null ? answerLetter.group(1) : answerLetter.group(2);
                diagnostics.put("method", "choice");
                diagnostics.put("choice", letter.toUpperCase(Locale.ROOT));
                return new Verdict(letter.equalsIgnoreCase(truthLetter.group(1)), diagnostics);
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
            return new Verdict(close(answerValue, truthValue), diagnostics);
        }
        diagnostics.put("method", "text");
        return new Verdict(normaliseText(answer).equals(normaliseText(truth)), diagnostics);
    }

    /**
     * The value of a ground truth, as {@link #judge} reads it.
     *
     * @param solution the ground truth; an {@code <answer>} wrapping is removed
     * @return its value, or null when it does not read as a number (it is then compared as text)
     * @throws IllegalArgumentException when the ground truth is null or blank
     */
    public static Double truthValue(String solution) {
        return value(unwrap(groundTruth(solution)));
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
    public record Verdict(boolean correct, Map<String, String> diagnostics) {
    }
}
