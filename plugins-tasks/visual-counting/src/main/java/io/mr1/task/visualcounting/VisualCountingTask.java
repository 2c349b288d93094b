package io.mr1.task.visualcounting;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.mr1.api.task.AnswerType;
import io.mr1.api.task.Task;
import io.mr1.tasks.support.AnswerJudge;
import io.mr1.tasks.support.GeneratedItem;
import io.mr1.tasks.support.R1vTask;
import io.mr1.tasks.support.TaskOptions;
import java.util.List;
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
 * The {@code visual-counting} task: R1-V counting data (CLEVR, SuperCLEVR) with integer
 * answers, and a generator of CLEVR-style scenes with counting questions. Answers are
 * judged as integers: {@code 7}, {@code 7.0} and {@code seven} are all 7.
 */
@Component(service = Task.class, configurationPid = VisualCountingTask.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = VisualCountingTask.Config.class)
public final class VisualCountingTask extends R1vTask {

    /** ConfigAdmin PID ({@code plugins/io.mr1.task.visualcounting.cfg}). */
    public static final String PID = "io.mr1.task.visualcounting";

    /** The task's name. */
    public static final String NAME = "visual-counting";

    /** Configuration; a double underscore in a method name is one underscore in the key. */
    @ObjectClassDefinition(name = "mr1 visual-counting task")
    public @interface Config {
        /** @return the prompt template, with a {question} placeholder */
        @AttributeDefinition(description = "Prompt template; {question} is replaced by the question")
        String prompt__template() default Task.R1V_TEMPLATE;

        /** @return generated image width */
        @AttributeDefinition(description = "Width of generated images in pixels (64 to 4096)")
        int image__width() default 320;

        /** @return generated image height */
        @AttributeDefinition(description = "Height of generated images in pixels (64 to 4096)")
        int image__height() default 240;

        /** @return fewest objects per generated scene */
        @AttributeDefinition(description = "Fewest objects in a generated scene (>= 0)")
        int min__objects() default 1;

        /** @return most objects per generated scene */
        @AttributeDefinition(description = "Most objects in a generated scene (min_objects to 30)")
        int max__objects() default 10;

        /** @return the overlap bound */
        @AttributeDefinition(description = "Largest share of an object's box another object may cover (0 to 0.5)")
        double max__overlap() default 0.1;
    }

    private final CountingSettings settings;
    private final SceneGenerator generator;
    private final SceneRenderer renderer = new SceneRenderer();

    /**
     * Creates the task with its ConfigAdmin configuration.
     *
     * @param config the configuration
     * @throws IllegalArgumentException naming the key of an invalid value
     */
    @Activate
    public VisualCountingTask(Config config) {
        this(new CountingSettings(config.image__width(), config.image__height(), config.min__objects(),
                config.max__objects(), config.max__overlap(), config.prompt__template()));
    }

    /** Creates the task with the default settings (outside a framework: tests and tools). */
    public VisualCountingTask() {
        this(CountingSettings.DEFAULTS);
    }

    /**
     * Creates the task with explicit settings.
     *
     * @param settings the settings
     */
    public VisualCountingTask(CountingSettings settings) {
        super(NAME, AnswerType.INTEGER, settings.promptTemplate(), AnswerJudge.forIntegers());
        this.settings = settings;
        this.generator = new SceneGenerator(settings);
    }

    /** @return the settings in effect (ConfigAdmin, or per-run options) */
    public CountingSettings settings() {
        return settings;
    }

    /** The per-run options: the ConfigAdmin keys, under the same names, and the question mix. */
    static final Set<String> OPTIONS = Set.of("prompt_template", "image_width", "image_height", "min_objects",
            "max_objects", "max_overlap", "question_mix");

    @Override
    public VisualCountingTask withOptions(Map<String, Object> options) {
        if (options.isEmpty()) {
            return this;
        }
        TaskOptions o = new TaskOptions(NAME, options, OPTIONS);
        CountingSettings s = settings;
        return new VisualCountingTask(o.validated(() -> new CountingSettings(o.integer("image_width", s.width()),
                o.integer("image_height", s.height()), o.integer("min_objects", s.minObjects()),
                o.integer("max_objects", s.maxObjects()), o.number("max_overlap", s.maxOverlap()),
                o.string("prompt_template", s.promptTemplate()),
                o.weights("question_mix", "question kind", s.questionMix()))));
    }

    @Override
    protected GeneratedItem generateItem(SplittableRandom random) {
        Scene scene = generator.scene(random);
        CountingQuestion question = generator.question(scene, random);
        return new GeneratedItem(renderer.render(scene), question.text(), Integer.toString(question.answer()),
                sceneJson(scene, question), thinking(scene, question));
    }

    /**
     * The reference reasoning: the objects the question asks about, numbered from the back of
     * the scene to the front ({@code 1 red cube , 2 blue sphere}), or {@code none}; the
     * answer is the last number. SFT on it supervises every object, not just the count.
     */
    static String thinking(Scene scene, CountingQuestion question) {
        List<SceneObject> matching = scene.objects().stream()
                .filter(o -> SceneGenerator.matches(o, question.query())).toList();
        if (matching.isEmpty()) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < matching.size(); i++) {
            if (i > 0) {
                sb.append(" , ");
            }
            sb.append(i + 1).append(' ').append(matching.get(i).colour().word()).append(' ')
                    .append(matching.get(i).shape().word());
        }
        return sb.toString();
    }

    private static JsonObject sceneJson(Scene scene, CountingQuestion question) {
        JsonObject json = new JsonObject();
        json.addProperty("family", question.family());
        JsonObject query = new JsonObject();
        question.query().forEach(query::addProperty);
        json.add("query", query);
        json.addProperty("width", scene.width());
        json.addProperty("height", scene.height());
        JsonArray objects = new JsonArray();
        for (SceneObject o : scene.objects()) {
            JsonObject obj = new JsonObject();
            obj.addProperty("shape", o.shape().word());
            obj.addProperty("color", o.colour().word());
            obj.addProperty("size", o.size().word());
            obj.addProperty("material", o.material().word());
            obj.addProperty("x", o.x());
            obj.addProperty("y", o.y());
            obj.addProperty("width", o.width());
            obj.addProperty("height", o.height());
            objects.add(obj);
        }
        json.add("objects", objects);
        return json;
    }
}
