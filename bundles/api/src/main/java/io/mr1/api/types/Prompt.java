package io.mr1.api.types;

import java.util.List;
import java.util.Objects;

/**
 * One user turn given to the policy: the images first, then the text, as R1-V builds
 * its image prompts (one user turn, no system prompt).
 *
 * @param id stable identifier of the sample the prompt comes from (used in logs and samples.jsonl)
 * @param text the prompt text after the task's template was applied
 * @param images images shown before the text, possibly empty
 */
public record Prompt(String id, String text, List<ImageRef> images) {
    /** Validates and copies the arguments. */
    public Prompt {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(text, "text");
        images = List.copyOf(images);
    }

    /**
     * A text-only prompt.
     *
     * @param id sample identifier
     * @param text prompt text
     * @return the prompt
     */
    public static Prompt text(String id, String text) {
        return new Prompt(id, text, List.of());
    }
}
