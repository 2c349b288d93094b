package io.mr1.trainer.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.trainer.run.ConfigException;
import io.mr1.trainer.run.RunConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class ExperimentSpecTest {

    private static final String YAML = """
            name: t
            tasks:
              counting: {task: visual-counting, task_options: {max_objects: 5}, train_generate: 10, test_generate: 5,
                         warm_generate: 20, run: {grpo: {temperature: 0.9}}}
              geometry: {task: geometry-reasoning, train: geo/train.jsonl, test_generate: 5}
            base:
              create: {hidden_size: 32, layers: 1}
              warm_start: [{task: counting, steps: 3, batch_size: 2}]
            budget: {steps: 8, prompts_per_step: 4}
            run: {grpo: {num_generations: 4, temperature: 1.0}, optimizer: {learning_rate: 0.0001}}
            seeds: [1, 2]
            evaluation: {samples: 2}
            arms:
              - {name: sft, algorithm: sft}
              - {name: grpo, kl_schedule: {name: constant, beta: 0.04}, per_task: {geometry: {kl_schedule: {beta: 0.01}}}}
              - name: beta
                train_on: [counting]
                seeds: [2]
                kl_schedule: {name: constant}
                sweep: {key: kl_schedule.beta, values: [0, 0.01, 0.05]}
            """;

    static ExperimentSpec parse(String yaml) throws ConfigException {
        Map<String, Object> values = new Yaml().load(yaml);
        return ExperimentSpec.parse("x.yaml", values, Path.of("/data"));
    }

    @Test
    void sweepsExpandIntoOneArmPerValueAndRunsLayerTheirConfigs() throws Exception {
        ExperimentSpec spec = parse(YAML);
        assertEquals(List.of("sft", "grpo", "beta[0]", "beta[0.01]", "beta[0.05]"),
                spec.arms().stream().map(ExperimentSpec.Arm::name).toList());
        assertEquals(List.of("sft", "grpo"), spec.referenceArms());
        assertEquals(Path.of("/data/geo/train.jsonl"), spec.tasks().get(1).train());
        assertNull(spec.tasks().get(1).test());
        ExperimentPlan plan = new ExperimentPlan(spec, Path.of("/out"));
        // 2 arms x 2 tasks x 2 seeds + 3 sweep points x 1 task x 1 seed
        assertEquals(11, plan.runs().size());
        assertEquals("beta[0.05], seed 2, trained on counting", plan.runs().get(10).label());
        plan.validate();

        ExperimentSpec.Arm grpo = spec.arms().get(1);
        Map<String, Object> geo = plan.armConfig(grpo, "geometry", 2, Path.of("/base"), Path.of("/g.jsonl"));
        RunConfig c = RunConfig.parse("t", geo, Path.of("/"));
        assertEquals(0.01, c.klSchedule().parameters().get("beta"), 0); // per_task over the arm
        assertEquals("geometry-reasoning", c.task());
        assertEquals(2, c.seed());
        assertEquals(8, c.steps());
        assertEquals(4, c.batchSize());
        assertEquals(Path.of("/base"), c.model().checkpoint());
        assertEquals(Path.of("/g.jsonl"), c.data().train());
        assertEquals(0, c.data().evalGenerate());
        assertEquals(2, c.checkpointEvery()); // a quarter of the steps
        Map<String, Object> count = plan.armConfig(grpo, "counting", 1, Path.of("/base"), Path.of("/c.jsonl"));
        RunConfig cc = RunConfig.parse("t", count, Path.of("/"));
        assertEquals(0.04, cc.klSchedule().parameters().get("beta"), 0);
        assertEquals(0.9, cc.grpo().temperature(), 0); // the task's run over the common run
        assertEquals(1e-4, cc.optimizer().learningRate(), 0);
        assertEquals(Map.of("max_objects", 5), cc.taskOptions());

        ExperimentSpec.Arm point = spec.arms().get(3);
        assertEquals("kl_schedule.beta", point.sweepKey());
        RunConfig p = RunConfig.parse("t", plan.armConfig(point, "counting", 1, Path.of("/b"), Path.of("/c")),
                Path.of("/"));
        assertEquals(0.01, p.klSchedule().parameters().get("beta"), 0);
        assertEquals("constant", p.klSchedule().name());

        RunConfig warm = RunConfig.parse("w", plan.warmConfig(0, Path.of("/m"), Path.of("/w.jsonl")), Path.of("/"));
        assertEquals("sft", warm.algorithm());
        assertEquals(3, warm.steps());
        assertEquals(Path.of("/w.jsonl"), warm.data().train());
    }

    @Test
    void errorsNameTheFileAndTheKey() {
        assertError("x.yaml: arms[0].confg: unknown key", YAML.replace("{name: sft, algorithm: sft}",
                "{name: sft, confg: {}}"));
        assertError("x.yaml: arms[2].sweep.values: expected finite numbers", YAML.replace("[0, 0.01, 0.05]",
                "[0, high]"));
        assertError("x.yaml: arms[2].train_on: 'nope' is not among", YAML.replace("train_on: [counting]",
                "train_on: [nope]"));
        assertError("x.yaml: arms[2].seeds: '3' is not among the experiment's seeds [1, 2]",
                YAML.replace("seeds: [2]", "seeds: [3]"));
        assertError("x.yaml: run.seed: set by the experiment", YAML.replace("run: {grpo:", "run: {seed: 3, grpo:"));
        assertError("x.yaml: base.warm_start[0].task: task 'geometry' has no warm-start items",
                YAML.replace("warm_start: [{task: counting", "warm_start: [{task: geometry"));
        assertError("x.yaml: arms[1].name: arm 'sft' is given twice", YAML.replace("{name: grpo,", "{name: sft,"));
        assertError("x.yaml: colour: unknown key; valid: ", YAML + "colour: red\n");
    }

    @Test
    void aWrongRunConfigKeyFailsValidationNamingTheArm() throws Exception {
        ExperimentSpec spec = parse(YAML.replace("{name: sft, algorithm: sft}",
                "{name: sft, algorithm: sft, config: {grpo: {num_generation: 8}}}"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> new ExperimentPlan(spec, Path.of("/out")).validate());
        assertTrue(e.getMessage().contains("arm sft, seed 1, trained on counting")
                && e.getMessage().contains("num_generation"), e.getMessage());
    }

    private static void assertError(String expected, String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }
}
