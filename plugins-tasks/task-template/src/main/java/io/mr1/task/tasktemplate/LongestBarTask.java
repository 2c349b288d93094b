package io.mr1.task.tasktemplate;

import com.google.gson.JsonObject;
import io.mr1.api.task.AnswerType;
import io.mr1.api.task.Task;
import io.mr1.tasks.support.AnswerJudge;
import io.mr1.tasks.support.Drawing;
import io.mr1.tasks.support.GeneratedItem;
import io.mr1.tasks.support.R1vTask;
import io.mr1.tasks.support.TaskOptions;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The {@code longest-bar} task: an image with a red and a blue bar of whole lengths (in
 * grid units), and the question by how many units the longer is longer. Copy this class:
 * rename it, {@link #NAME} and {@link #PID}; keep the options in {@link Config} and
 * {@link #withOptions} in step; write {@link #generateItem}. Loading R1-V JSONL, judging
 * (the one answer judge, as the accuracy reward) and deterministic dataset writing come
 * from {@link R1vTask}.
 */
@Component(service = Task.class, configurationPid = LongestBarTask.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = LongestBarTask.Config.class)
public final class LongestBarTask extends R1vTask {

    /** ConfigAdmin PID ({@code plugins/io.mr1.task.tasktemplate.cfg}). */
    public static final String PID = "io.mr1.task.tasktemplate";

    /** The task's name, as a run config's {@code task} gives it. */
    public static final String NAME = "longest-bar";

    /** Configuration; a double underscore in a method name is one underscore in the key. */
    @ObjectClassDefinition(name = "mr1 longest-bar task (template)")
    public @interface Config {
        /** @return the prompt template, with a {question} placeholder */
        @AttributeDefinition(description = "Prompt template; {question} is replaced by the question")
        String prompt__template() default Task.R1V_TEMPLATE;

        /** @return the longest bar, in units */
        @AttributeDefinition(description = "Longest bar in grid units (2 to 20)")
        int max__length() default 10;
    }

    /** The per-run options ({@code task_options} in a run config): the ConfigAdmin keys. */
    static final Set<String> OPTIONS = Set.of("prompt_template", "max_length");

    private final String template;
    private final int maxLength;

    /**
     * Creates the task with its ConfigAdmin configuration.
     *
     * @param config the configuration
     */
    @Activate
    public LongestBarTask(Config config) {
        this(config.prompt__template(), config.max__length());
    }

    /**
     * Creates the task with explicit settings.
     *
     * @param template the prompt template, with {@code {question}}
     * @param maxLength the longest bar, 2 to 20 units
     * @throws IllegalArgumentException naming the key of an invalid value
     */
    public LongestBarTask(String template, int maxLength) {
        super(NAME, AnswerType.INTEGER, template, AnswerJudge.forIntegers());
        if (!template.contains("{question}")) {
            throw new IllegalArgumentException("prompt_template must contain {question}, got: " + template);
        }
        if (maxLength < 2 || maxLength > 20) {
            throw new IllegalArgumentException("max_length must be 2 to 20, got " + maxLength);
        }
        this.template = template;
        this.maxLength = maxLength;
    }

    @Override
    public LongestBarTask withOptions(Map<String, Object> options) {
        if (options.isEmpty()) {
            return this;
        }
        TaskOptions o = new TaskOptions(NAME, options, OPTIONS);
        return o.validated(() -> new LongestBarTask(o.string("prompt_template", template),
                o.integer("max_length", maxLength)));
    }

    /** @return the longest bar in units */
    public int maxLength() {
        return maxLength;
    }

    @Override
    protected GeneratedItem generateItem(SplittableRandom random) {
        int red = 1 + random.nextInt(maxLength);
        int blue = 1 + random.nextInt(maxLength);
        int unit = 12;
        BufferedImage image = Drawing.image(unit * (maxLength + 2), 80);
        Graphics2D g = Drawing.graphics(image);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(new Color(200, 40, 40));
        g.fillRect(unit, 15, unit * red, 18);
        g.setColor(new Color(40, 70, 200));
        g.fillRect(unit, 47, unit * blue, 18);
        g.dispose();
        JsonObject scene = new JsonObject();
        scene.addProperty("red", red);
        scene.addProperty("blue", blue);
        String thinking = "red " + red + " , blue " + blue;
        return new GeneratedItem(image, "By how many units is the longer bar longer than the shorter one?",
                Integer.toString(Math.abs(red - blue)), scene, thinking);
    }
}
