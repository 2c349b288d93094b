package io.mr1.tasks.support;

import io.mr1.answers.Answers;
import io.mr1.answers.ThinkAnswerFormat;
import io.mr1.api.task.Judgement;

/**
 * Judges one model output against a ground truth, the way evaluation reports it, with
 * mr1's one answer judge ({@link Answers}, the same the accuracy reward scores with):
 * <ul>
 * <li><b>strict</b>: {@link Answers#judge} accepts the content of the last closed
 *     {@code <answer>...</answer>} block (the accuracy reward's R_acc = 1);</li>
 * <li><b>lenient</b>: strict, or the last number anywhere in the output equals the
 *     truth's value (lenient never rejects what strict accepts);</li>
 * <li><b>format</b>: R1-V's full match of {@code <think>.*?</think>\s*<answer>.*?</answer>}
 *     ({@link ThinkAnswerFormat}, the format reward's check).</li>
 * </ul>
 * Stateless and thread-safe; linear in the output's length.
 */
public final class AnswerJudge {

    private final boolean countingWords;

    /**
     * Creates a judge.
     *
     * @param countingWords whether the lenient scan also reads counting words ("seven")
     */
    public AnswerJudge(boolean countingWords) {
        this.countingWords = countingWords;
    }

    /** @return the judge for counts: counting words count in the lenient scan */
    public static AnswerJudge forIntegers() {
        return new AnswerJudge(true);
    }

    /** @return the judge for geometry: digits only in the lenient scan */
    public static AnswerJudge forExpressions() {
        return new AnswerJudge(false);
    }

    /**
     * Judges one output.
     *
     * @param truth the ground truth, e.g. {@code 7} or {@code 140°}; never blank (loaders reject blank truths)
     * @param output the model output, possibly null
     * @return the judgement; its extracted answer is the last answer block's trimmed content, or null
     * @throws IllegalArgumentException when the truth is null or blank
     */
    public Judgement judge(String truth, String output) {
        String text = output == null ? "" : output;
        boolean strict = Answers.judge(text, truth).correct();
        boolean lenient = strict;
        if (!lenient) {
            Double truthValue = Answers.truthValue(truth);
            Double last = truthValue == null ? null : Answers.lastNumber(text, countingWords);
            lenient = last != null && Answers.close(last, truthValue);
        }
        return new Judgement(strict, lenient, ThinkAnswerFormat.matches(text), Answers.extract(text));
    }
}
