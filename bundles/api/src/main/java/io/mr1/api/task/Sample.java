package io.mr1.api.task;

import io.mr1.api.types.Prompt;
import java.util.Objects;

/**
 * One task item: the prompt (template applied) and its ground truth.
 *
 * @param prompt the prompt the policy sees
 * @param question the raw question before the template
 * @param solution the ground truth as text: a count such as {@code 7}, an angle such as
 *     {@code 140°}, or a LaTeX-like expression such as {@code 2\sqrt{3}}; R1-V's
 *     {@code <answer> N </answer>} wrapping is removed by loaders
 * @param answerType what kind of answer the solution is
 * @param thinking a reference reasoning for the think block (R1-V's {@code thinking} key),
 *     or the empty string when the item has none; SFT can train on it
 */
public record Sample(Prompt prompt, String question, String solution, AnswerType answerType, String thinking) {
    /** Validates the fields. */
    public Sample {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(solution, "solution");
        Objects.requireNonNull(answerType, "answerType");
        Objects.requireNonNull(thinking, "thinking");
    }

    /**
     * An item without a reference reasoning.
     *
     * @param prompt the prompt the policy sees
     * @param question the raw question before the template
     * @param solution the ground truth as text
     * @param answerType what kind of answer the solution is
     */
    public Sample(Prompt prompt, String question, String solution, AnswerType answerType) {
        this(prompt, question, solution, answerType, "");
    }

    /** @return the sample's id (its prompt's id) */
    public String id() {
        return prompt.id();
    }
}
