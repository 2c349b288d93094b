package io.mr1.tasks.internal;

import io.mr1.api.task.Judgement;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Judges one model output against a ground truth, the way evaluation reports it:
 * <ul>
 * <li><b>strict</b>: the content of the last closed {@code <answer>...</answer>} block
 *     reads (with the task's reader) as the truth's value; when the truth itself does
 *     not read as a value, the texts are compared without whitespace and case;</li>
 * <li><b>lenient</b>: strict, or the last number anywhere in the output equals the
 *     truth's value (lenient never rejects what strict accepts);</li>
 * <li><b>format</b>: R1-V's dot-all full match of
 *     {@code <think>.*?</think>\s*<answer>.*?</answer>}.</li>
 * </ul>
 * Stateless and thread-safe; never throws on odd text.
 */
public final class AnswerJudge {

    private static final Pattern FORMAT = Pattern.compile("<think>.*?</think>\\s*<answer>.*?</answer>", Pattern.DOTALL);
    private static final Pattern ANSWER_BLOCK = Pattern.compile("<answer>((?:(?!<answer>).)*?)</answer>", Pattern.DOTALL);
    private static final Pattern DIGITS = Pattern.compile("(?<![\\d.])\\d+(?:\\.\\d+)?");
    private static final Pattern DIGITS_OR_WORDS = Pattern.compile(DIGITS.pattern() + "|\\b(?:"
            + String.join("|", AnswerValues.NUMBER_WORDS) + ")\\b", Pattern.CASE_INSENSITIVE);

    private final Function<String, Double> reader;
    private final Pattern lenientNumbers;

    /**
     * Creates a judge.
     *
     * @param reader reads an answer (and the truth) as a value, null when it cannot
     * @param numberWords whether the lenient scan also reads counting words ("seven")
     */
    public AnswerJudge(Function<String, Double> reader, boolean numberWords) {
        this.reader = reader;
        this.lenientNumbers = numberWords ? DIGITS_OR_WORDS : DIGITS;
    }

    /** @return the judge for counts: {@link AnswerValues#integer}, counting words in the lenient scan */
    public static AnswerJudge forIntegers() {
        return new AnswerJudge(AnswerValues::integer, true);
    }

    /** @return the judge for geometry: {@link AnswerValues#expression} */
    public static AnswerJudge forExpressions() {
        return new AnswerJudge(AnswerValues::expression, false);
    }

    /**
     * Judges one output.
     *
     * @param truth the ground truth, e.g. {@code 7} or {@code 140°}
     * @param output the model output, possibly null
     * @return the judgement; its extracted answer is the last answer block's trimmed content, or null
     */
    public Judgement judge(String truth, String output) {
        String text = output == null ? "" : output;
        String extracted = lastAnswer(text);
        Double truthValue = reader.apply(truth);
        boolean strict = extracted != null && matches(truth, truthValue, extracted);
        boolean lenient = strict;
        if (!lenient && truthValue != null) {
            Double last = lastNumber(text);
            lenient = last != null && AnswerValues.same(last, truthValue);
        }
        return new Judgement(strict, lenient, FORMAT.matcher(text).matches(), extracted);
    }

    private boolean matches(String truth, Double truthValue, String answer) {
        if (truthValue == null) {
            return normalise(answer).equals(normalise(truth));
        }
        Double value = reader.apply(answer);
        return value != null && AnswerValues.same(value, truthValue);
    }

    private static String normalise(String s) {
        return s.replaceAll("\\s+", "").toLowerCase(Locale.ROOT);
    }

    /**
     * The content of the last closed {@code <answer>} block. Blocks are matched innermost
     * (their content holds no opening tag), so an unclosed trailing tag does not hide an
     * earlier block, and in {@code <answer><answer>5</answer></answer>} the answer is 5.
     *
     * @param text the output
     * @return the trimmed content, or null when there is no closed block
     */
    public static String lastAnswer(String text) {
        Matcher m = ANSWER_BLOCK.matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last == null ? null : last.strip();
    }

    private Double lastNumber(String text) {
        Matcher m = lenientNumbers.matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group();
        }
        if (last == null) {
            return null;
        }
        int word = AnswerValues.NUMBER_WORDS.indexOf(last.toLowerCase(Locale.ROOT));
        return word >= 0 ? Double.valueOf(word) : Double.valueOf(last);
    }
}
