package io.mr1.task.geometryreasoning;

import io.mr1.api.task.Task;
import io.mr1.tasks.support.WeightedChoice;
import java.util.List;

/**
 * Parameters of the geometry-reasoning task (ConfigAdmin PID {@code io.mr1.task.geometryreasoning}).
 *
 * @param imageSize side of the square diagram in pixels ({@code image_size}, 128 to 2048)
 * @param promptTemplate the prompt template ({@code prompt_template}), with {@code {question}}
 * @param families how often each problem family is drawn ({@code families}; per run only)
 */
public record GeometrySettings(int imageSize, String promptTemplate, WeightedChoice families) {

    /** The problem families, in canonical order (see {@code ProblemGenerator}). */
    public static final List<String> FAMILIES = ProblemGenerator.FAMILIES;

    /** The built-in mix: every family equally often. */
    public static final WeightedChoice ALL_FAMILIES = WeightedChoice.equal(FAMILIES);

    /** The defaults: 320x320 diagrams, R1-V's prompt, every family equally often. */
    public static final GeometrySettings DEFAULTS = new GeometrySettings(320, Task.R1V_TEMPLATE);

    /**
     * Settings drawing every family equally often (what ConfigAdmin can set).
     *
     * @param imageSize side of the diagram
     * @param promptTemplate the prompt template
     */
    public GeometrySettings(int imageSize, String promptTemplate) {
        this(imageSize, promptTemplate, ALL_FAMILIES);
    }

    /** Validates the parameters; messages name the configuration key. */
    public GeometrySettings {
        if (imageSize < 128 || imageSize > 2048) {
            throw new IllegalArgumentException("image_size must be 128 to 2048, got " + imageSize);
        }
        if (promptTemplate == null || !promptTemplate.contains("{question}")) {
            throw new IllegalArgumentException("prompt_template must contain {question}, got: " + promptTemplate);
        }
        if (families == null || !families.choices().equals(FAMILIES)) {
            throw new IllegalArgumentException("families must weigh the families " + FAMILIES
                    + ", got " + families);
        }
    }
}
