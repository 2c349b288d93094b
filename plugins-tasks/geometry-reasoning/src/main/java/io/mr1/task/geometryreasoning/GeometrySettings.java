package io.mr1.task.geometryreasoning;

import io.mr1.api.task.Task;

/**
 * Parameters of the geometry-reasoning task (ConfigAdmin PID {@code io.mr1.task.geometryreasoning}).
 *
 * @param imageSize side of the square diagram in pixels ({@code image_size}, 128 to 2048)
 * @param promptTemplate the prompt template ({@code prompt_template}), with {@code {question}}
 */
public record GeometrySettings(int imageSize, String promptTemplate) {

    /** The defaults: 320x320 diagrams, R1-V's prompt. */
    public static final GeometrySettings DEFAULTS = new GeometrySettings(320, Task.R1V_TEMPLATE);

    /** Validates the parameters; messages name the configuration key. */
    public GeometrySettings {
        if (imageSize < 128 || imageSize > 2048) {
            throw new IllegalArgumentException("image_size must be 128 to 2048, got " + imageSize);
        }
        if (promptTemplate == null || !promptTemplate.contains("{question}")) {
            throw new IllegalArgumentException("prompt_template must contain {question}, got: " + promptTemplate);
        }
    }
}
