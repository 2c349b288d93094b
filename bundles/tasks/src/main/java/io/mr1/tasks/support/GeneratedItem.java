package io.mr1.tasks.support;

import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * One procedurally generated item before it is written.
 *
 * @param image the rendered image
 * @param question the question text (before the prompt template)
 * @param answer the ground truth, e.g. {@code 7} or {@code 70°}
 * @param scene what was drawn, written beside the image so the answer can be checked
 * @param thinking a reference reasoning that leads to the answer (written as the JSONL's
 *     {@code thinking} key), or the empty string
 */
public record GeneratedItem(BufferedImage image, String question, String answer, JsonObject scene, String thinking) {
    /** Validates the fields. */
    public GeneratedItem {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(answer, "answer");
        Objects.requireNonNull(scene, "scene");
        Objects.requireNonNull(thinking, "thinking");
    }
}
