package io.mr1.task.visualcounting;

import io.mr1.api.task.Task;
import io.mr1.tasks.support.WeightedChoice;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameters of the visual-counting task (ConfigAdmin PID {@code io.mr1.task.visualcounting}).
 *
 * @param width image width in pixels ({@code image_width}, 64 to 4096)
 * @param height image height in pixels ({@code image_height}, 64 to 4096)
 * @param minObjects fewest objects in a scene ({@code min_objects}, 0 or more)
 * @param maxObjects most objects in a scene ({@code max_objects}, min to 30)
 * @param maxOverlap largest share of an object's bounding box that another object may
 *     cover ({@code max_overlap}, 0 to 0.5)
 * @param promptTemplate the prompt template ({@code prompt_template}), with {@code {question}}
 * @param questionMix how often each question kind is asked ({@code question_mix}; per run only)
 */
public record CountingSettings(int width, int height, int minObjects, int maxObjects, double maxOverlap,
        String promptTemplate, WeightedChoice questionMix) {

    /**
     * The question kinds, in canonical order: "how many items", "how many objects", and
     * the attribute questions by colour and shape, size and material, shape, colour.
     */
    public static final List<String> QUESTION_KINDS =
            List.of("items", "objects", "color-shape", "size-material", "shape", "color");

    /** The built-in mix, in percent: 35, 20, 15, 15, 8, 7 (the data generated before the mix was an option). */
    public static final WeightedChoice DEFAULT_QUESTION_MIX = mix(35, 20, 15, 15, 8, 7);

    /** The defaults: 320x240, 1 to 10 objects, at most 10% overlap, R1-V's prompt, the built-in mix. */
    public static final CountingSettings DEFAULTS = new CountingSettings(320, 240, 1, 10, 0.1, Task.R1V_TEMPLATE);

    /**
     * Settings with the built-in question mix (what ConfigAdmin can set).
     *
     * @param width image width
     * @param height image height
     * @param minObjects fewest objects
     * @param maxObjects most objects
     * @param maxOverlap the overlap bound
     * @param promptTemplate the prompt template
     */
    public CountingSettings(int width, int height, int minObjects, int maxObjects, double maxOverlap,
            String promptTemplate) {
        this(width, height, minObjects, maxObjects, maxOverlap, promptTemplate, DEFAULT_QUESTION_MIX);
    }

    /** Validates the parameters; messages name the configuration key. */
    public CountingSettings {
        check(width >= 64 && width <= 4096, "image_width must be 64 to 4096, got " + width);
        check(height >= 64 && height <= 4096, "image_height must be 64 to 4096, got " + height);
        check(minObjects >= 0, "min_objects must be >= 0, got " + minObjects);
        check(maxObjects >= minObjects && maxObjects <= 30,
                "max_objects must be from min_objects (" + minObjects + ") to 30, got " + maxObjects);
        // Above one half an object may be mostly hidden, and counts stop being unambiguous.
        check(maxOverlap >= 0 && maxOverlap <= 0.5, "max_overlap must be 0 to 0.5, got " + maxOverlap);
        check(promptTemplate != null && promptTemplate.contains("{question}"),
                "prompt_template must contain {question}, got: " + promptTemplate);
        check(questionMix != null && questionMix.choices().equals(QUESTION_KINDS),
                "question_mix must weigh the kinds " + QUESTION_KINDS + ", got " + questionMix);
    }

    private static WeightedChoice mix(int... weights) {
        Map<String, Integer> mix = new LinkedHashMap<>();
        for (int i = 0; i < weights.length; i++) {
            mix.put(QUESTION_KINDS.get(i), weights[i]);
        }
        return new WeightedChoice(mix);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
