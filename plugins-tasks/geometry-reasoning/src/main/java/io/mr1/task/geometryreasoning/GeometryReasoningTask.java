package io.mr1.task.geometryreasoning;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.mr1.api.task.AnswerType;
import io.mr1.api.task.Task;
import io.mr1.tasks.support.AnswerJudge;
import io.mr1.tasks.support.GeneratedItem;
import io.mr1.tasks.support.R1vTask;
import io.mr1.tasks.support.TaskOptions;
import java.awt.geom.Point2D;
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
 * The {@code geometry-reasoning} task: R1-V GeoQA data (ground truths such as
 * {@code 140°}, {@code 2√{3}} or {@code \frac{12}{5}}), and a generator of GeoQA-style
 * problems with diagrams. Answers are judged by value, ignoring degree signs and units.
 */
@Component(service = Task.class, configurationPid = GeometryReasoningTask.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = GeometryReasoningTask.Config.class)
public final class GeometryReasoningTask extends R1vTask {

    /** ConfigAdmin PID ({@code plugins/io.mr1.task.geometryreasoning.cfg}). */
    public static final String PID = "io.mr1.task.geometryreasoning";

    /** The task's name. */
    public static final String NAME = "geometry-reasoning";

    /** Configuration; a double underscore in a method name is one underscore in the key. */
    @ObjectClassDefinition(name = "mr1 geometry-reasoning task")
    public @interface Config {
        /** @return the prompt template, with a {question} placeholder */
        @AttributeDefinition(description = "Prompt template; {question} is replaced by the question")
        String prompt__template() default Task.R1V_TEMPLATE;

        /** @return side of generated diagrams */
        @AttributeDefinition(description = "Side of the square generated diagrams in pixels (128 to 2048)")
        int image__size() default 320;
    }

    private final GeometrySettings settings;
    private final ProblemGenerator generator;
    private final DiagramRenderer renderer;

    /**
     * Creates the task with its ConfigAdmin configuration.
     *
     * @param config the configuration
     * @throws IllegalArgumentException naming the key of an invalid value
     */
    @Activate
    public GeometryReasoningTask(Config config) {
        this(new GeometrySettings(config.image__size(), config.prompt__template()));
    }

    /** Creates the task with the default settings (outside a framework: tests and tools). */
    public GeometryReasoningTask() {
        this(GeometrySettings.DEFAULTS);
    }

    /**
     * Creates the task with explicit settings.
     *
     * @param settings the settings
     */
    public GeometryReasoningTask(GeometrySettings settings) {
        super(NAME, AnswerType.NUMERIC_EXPRESSION, settings.promptTemplate(), AnswerJudge.forExpressions());
        this.settings = settings;
        this.renderer = new DiagramRenderer(settings.imageSize());
        this.generator = new ProblemGenerator(settings.families());
    }

    /** @return the settings in effect (ConfigAdmin, or per-run options) */
    public GeometrySettings settings() {
        return settings;
    }

    /** The per-run options: the ConfigAdmin keys, under the same names, and the family mix. */
    static final Set<String> OPTIONS = Set.of("prompt_template", "image_size", "families");

    @Override
    public GeometryReasoningTask withOptions(Map<String, Object> options) {
        if (options.isEmpty()) {
            return this;
        }
        TaskOptions o = new TaskOptions(NAME, options, OPTIONS);
        return new GeometryReasoningTask(o.validated(() -> new GeometrySettings(
                o.integer("image_size", settings.imageSize()), o.string("prompt_template", settings.promptTemplate()),
                o.weights("families", "family", settings.families()))));
    }

    @Override
    protected GeneratedItem generateItem(SplittableRandom random) {
        GeoProblem problem = generator.problem(random);
        return new GeneratedItem(renderer.render(problem.figure()), problem.question(), problem.answer(),
                sceneJson(problem), "");
    }

    private static JsonObject sceneJson(GeoProblem p) {
        JsonObject json = new JsonObject();
        json.addProperty("family", p.family());
        json.addProperty("variant", p.variant());
        JsonArray given = new JsonArray();
        p.given().forEach(m -> given.add(measureJson(m)));
        json.add("given", given);
        json.add("asked", measureJson(p.asked()));
        Figure f = p.figure();
        JsonObject points = new JsonObject();
        for (var e : f.points().entrySet()) {
            Point2D.Double pt = e.getValue();
            JsonArray xy = new JsonArray();
            xy.add(pt.x);
            xy.add(pt.y);
            points.add(e.getKey(), xy);
        }
        json.add("points", points);
        JsonArray segments = new JsonArray();
        for (List<String> s : f.segments()) {
            JsonArray pair = new JsonArray();
            s.forEach(pair::add);
            segments.add(pair);
        }
        json.add("segments", segments);
        if (f.circleCentre() != null) {
            JsonObject circle = new JsonObject();
            circle.addProperty("center", f.circleCentre());
            circle.addProperty("radius", f.circleRadius());
            json.add("circle", circle);
        }
        return json;
    }

    private static JsonObject measureJson(Measure m) {
        JsonObject json = new JsonObject();
        json.addProperty("kind", m.kind());
        JsonArray names = new JsonArray();
        m.points().forEach(names::add);
        json.add("points", names);
        json.addProperty("value", m.value());
        if (!m.label().isEmpty()) {
            json.addProperty("label", m.label());
        }
        return json;
    }
}
