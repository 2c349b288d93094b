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
 */
public record Sample(Prompt prompt, String question, String solution, AnswerType answerType) {
    /** Validates the fields. */
    public Sample {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(solution, "solution");
        Objects.requireNonNull(answerType, "answerType");
    }

    /** @return the sample's id (its prompt's id) */
    public String id() {
        return prompt.id();
    }
}
