package io.mr1.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.PolicyLoss;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunConfigTest {

    private static final Path BASE = Path.of("/runs");

    private static RunConfig parse(String yaml, Path dir) throws Exception {
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, yaml);
        return RunConfig.read(file, BASE);
    }

    private static RunConfig withSource(RunConfig c, String source) {
        return new RunConfig(source, c.algorithm(), c.seed(), c.backend(), c.device(), c.model(), c.task(), c.data(),
                c.rewards(), c.klSchedule(), c.grpo(), c.sftTemplate(), c.sftMicroBatchSize(), c.optimizer(), c.batchSize(), c.steps(),
                c.epochs(), c.checkpointEvery(), c.keepCheckpoints(), c.samplesEvery(), c.evalEvery(), c.logEvery(),
                c.taskOptions(), c.reportTo());
    }

    @Test
    void theWrittenConfigurationParsesToTheSameConfiguration(@TempDir Path tmp) throws Exception {
        RunConfig c = parse("""
                task: visual-counting
                task_options: {min_objects: 1, max_objects: 5}
                seed: 3
                model: {hidden_size: 64, layers: 2, image_size: 56}
                data: {train: data/train.jsonl, eval_generate: 10, eval_samples: 2}
                rewards: {accuracy: 1.0, format: 0.5}
                kl_schedule: {name: grpo-d, preset: counting, beta_max: 0.2}
                grpo: {num_generations: 4, mu: 2, epsilon_high: 0.28, loss_aggregation: token_mean}
                optimizer: {learning_rate: 0.002, warmup_ratio: 0.1, lr_decay: cosine}
                sft: {micro_batch_size: 1}
                batch_size: 2
                epochs: 3
                keep_checkpoints: 2
                """, tmp);
        Map<String, Object> written = c.toMap(0);
        RunConfig again = RunConfig.parse("again", written, Path.of("/elsewhere"));
        assertEquals(withSource(c, "again"), again);
        assertEquals(0.2, again.klSchedule().parameters().get("beta_max"), 0.0, "a number stays a number");
        assertEquals(3, again.epochs());
        assertEquals(1, again.sftMicroBatchSize(), "sft.micro_batch_size round-trips");
        assertEquals(Map.of("min_objects", 1, "max_objects", 5), again.taskOptions(), "task options round-trip");
        // With the steps resolved (config.json), too.
        RunConfig resolved = RunConfig.parse("resolved", c.toMap(42), BASE);
        assertEquals(42, resolved.steps());
        assertEquals(42, resolved.totalSteps(7));
    }

    @Test
    void aFlatTrlConfigMapsOntoTheSameSettings(@TempDir Path tmp) throws Exception {
        RunConfig trl = parse("""
                task: visual-counting
                beta: 0.04
                num_iterations: 2
                loss_type: dr_grpo
                max_steps: 12
                learning_rate: 1.0e-5
                lr_scheduler_type: cosine
                warmup_ratio: 0.1
                adam_beta1: 0.8
                adam_beta2: 0.99
                adam_epsilon: 1.0e-6
                num_generations: 4
                max_completion_length: 64
                save_steps: 5
                save_total_limit: 3
                eval_steps: 4
                logging_steps: 2
                gradient_accumulation_steps: 2
                batch_size: 3
                """, tmp);
        RunConfig mr1 = parse("""
                task: visual-counting
                kl_schedule: {name: constant, beta: 0.04}
                grpo: {mu: 2, loss_aggregation: constant_length, num_generations: 4, max_completion_length: 64,
                       micro_batch_size: 6}
                steps: 12
                optimizer: {learning_rate: 1.0e-5, lr_decay: cosine, warmup_ratio: 0.1, beta1: 0.8, beta2: 0.99,
                            epsilon: 1.0e-6}
                checkpoint_every: 5
                keep_checkpoints: 3
                eval_every: 4
                log_every: 2
                batch_size: 3
                """, tmp);
        assertEquals(mr1, trl);
        assertEquals(PolicyLoss.Aggregation.CONSTANT_LENGTH, trl.grpo().aggregation());
        assertEquals(6, trl.grpo().microBatchSize(), "3 prompts x 4 completions in 2 accumulation steps");
        assertEquals(2, trl.optimizer().schedule(12).warmupSteps(), "ceil(0.1 x 12), as TRL");
        assertEquals(OptimizerSettings.Decay.COSINE, trl.optimizer().decay());
    }

    @Test
    void reportToTakesANameOrAListAsTrlDoes(@TempDir Path tmp) throws Exception {
        assertEquals(List.of(), parse("task: t\n", tmp).reportTo());
        assertEquals(List.of(), parse("task: t\nreport_to: none\n", tmp).reportTo());
        assertEquals(List.of("tensorboard"), parse("task: t\nreport_to: tensorboard\n", tmp).reportTo());
        RunConfig listed = parse("task: t\nreport_to: [tensorboard, all]\n", tmp);
        assertEquals(List.of("tensorboard", "all"), listed.reportTo());
        assertEquals(listed.reportTo(), RunConfig.parse("again", listed.toMap(0), BASE).reportTo(), "round trip");
        ConfigException mixed = assertThrows(ConfigException.class,
                () -> parse("task: t\nreport_to: [none, tensorboard]\n", tmp));
        assertTrue(mixed.getMessage().contains("report_to: 'none' does not go with other reporters"), mixed.getMessage());
        ConfigException nested = assertThrows(ConfigException.class, () -> parse("task: t\nreport_to: [{a: 1}]\n", tmp));
        assertTrue(nested.getMessage().contains("report_to: must be a reporter name or a list"), nested.getMessage());
    }

    @Test
    void aSettingGivenBothWaysIsAnErrorNamingBoth(@TempDir Path tmp) throws Exception {
        Map<String, String[]> cases = new LinkedHashMap<>();
        cases.put("num_iterations: 2\ngrpo: {mu: 1}", new String[] {"num_iterations", "grpo.mu"});
        cases.put("max_steps: 2\nsteps: 3", new String[] {"max_steps", "steps"});
        cases.put("beta: 0.1\nkl_schedule: {name: adaptive}", new String[] {"beta", "kl_schedule"});
        cases.put("learning_rate: 0.1\noptimizer: {learning_rate: 0.2}",
                new String[] {"learning_rate", "optimizer.learning_rate"});
        cases.put("gradient_accumulation_steps: 2\ngrpo: {micro_batch_size: 4}",
                new String[] {"gradient_accumulation_steps", "grpo.micro_batch_size"});
        for (Map.Entry<String, String[]> e : cases.entrySet()) {
            ConfigException error = assertThrows(ConfigException.class,
                    () -> parse("task: visual-counting\n" + e.getKey() + "\n", tmp));
            for (String key : e.getValue()) {
                assertTrue(error.getMessage().contains(key), key + " not named: " + error.getMessage());
            }
        }
    }

    @Test
    void badTrlValuesNameTheKeyAsWrittenAndTheChoices(@TempDir Path tmp) throws Exception {
        ConfigException loss = assertThrows(ConfigException.class,
                () -> parse("task: t\nloss_type: dapo\n", tmp));
        assertTrue(loss.getMessage().contains("loss_type: 'dapo' is not one of bnpo, dr_grpo, grpo"), loss.getMessage());
        ConfigException mu = assertThrows(ConfigException.class, () -> parse("task: t\nnum_iterations: 0\n", tmp));
        assertTrue(mu.getMessage().contains("num_iterations (grpo.mu): must be a whole number in [1, 100], got 0"), mu.getMessage());
        ConfigException accumulation = assertThrows(ConfigException.class,
                () -> parse("task: t\nbatch_size: 1\nnum_generations: 3\ngradient_accumulation_steps: 2\n", tmp));
        assertTrue(accumulation.getMessage().contains("gradient_accumulation_steps")
                && accumulation.getMessage().contains("3 completions"), accumulation.getMessage());
        ConfigException units = assertThrows(ConfigException.class,
                () -> parse("task: t\nper_device_train_batch_size: 8\n", tmp));
        assertTrue(units.getMessage().contains("counts prompts"), units.getMessage());
        ConfigException beta = assertThrows(ConfigException.class, () -> parse("task: t\nbeta: lots\n", tmp));
        assertTrue(beta.getMessage().contains("beta (kl_schedule.beta): must be a number"), beta.getMessage());
    }

    @Test
    void modelDtypesAreCheckedAtParseAndTheReferenceFollowsThePolicy(@TempDir Path tmp) throws Exception {
        RunConfig plain = parse("task: t\n", tmp);
        assertEquals("float32", plain.model().dtype());
        assertEquals("float32", plain.model().referenceDtype());
        RunConfig half = parse("task: t\nmodel: {dtype: bfloat16}\n", tmp);
        assertEquals("bfloat16", half.model().referenceDtype(), "the reference defaults to the policy's dtype");
        RunConfig gpu = parse("task: t\ndevice: cuda:0\n", tmp);
        assertEquals("bfloat16", gpu.model().dtype(), "bfloat16 by default on a GPU");
        assertEquals("bfloat16", gpu.model().referenceDtype());
        assertEquals("float32", parse("task: t\ndevice: cuda:1\nmodel: {dtype: float32}\n", tmp).model().dtype());
        RunConfig mixed = parse("task: t\nmodel: {dtype: float32, reference_dtype: bfloat16}\n", tmp);
        assertEquals("bfloat16", mixed.model().referenceDtype());
        ConfigException e = assertThrows(ConfigException.class, () -> parse("task: t\nmodel: {dtype: fp16}\n", tmp));
        assertTrue(e.getMessage().contains("model.dtype: 'fp16' is not one of float32, bfloat16"), e.getMessage());
        ConfigException r = assertThrows(ConfigException.class,
                () -> parse("task: t\nmodel: {reference_dtype: half}\n", tmp));
        assertTrue(r.getMessage().contains("model.reference_dtype: 'half' is not one of float32, bfloat16"),
                r.getMessage());
    }

    @Test
    void nativeKeysStillNameTheirPathAndTheValidKeys(@TempDir Path tmp) throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse("task: t\ngrpo: {kl_estimator: k4}\n", tmp));
        assertTrue(e.getMessage().contains("grpo.kl_estimator: 'k4' is not one of k1, k2, k3"), e.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class, () -> parse("task: t\nbatch_sise: 2\n", tmp));
        assertTrue(unknown.getMessage().contains("batch_sise") && unknown.getMessage().contains("batch_size"),
                unknown.getMessage());
        ConfigException warmup = assertThrows(ConfigException.class,
                () -> parse("task: t\noptimizer: {warmup_steps: 2, warmup_ratio: 0.1}\n", tmp));
        assertTrue(warmup.getMessage().contains("optimizer.warmup_steps"), warmup.getMessage());
    }

    private static String error(String yaml, Path tmp) {
        return assertThrows(ConfigException.class, () -> parse(yaml, tmp)).getMessage();
    }

    @Test
    void everyValueHasARangeCheckedAtParse(@TempDir Path tmp) throws Exception {
        String steps = error("task: t\nsteps: 1e30\n", tmp);
        assertTrue(steps.contains("run.yaml: steps: must be a whole number in [1, 1000000000], got 1.0E30"), steps);
        String zero = error("task: t\nsteps: 0\n", tmp);
        assertTrue(zero.contains("steps: must be a whole number in [1, "), zero);
        assertTrue(error("task: t\nepochs: 0\n", tmp).contains("epochs: must be a whole number in [1, "));
        String length = error("task: t\ngrpo: {max_completion_length: 2147483647}\n", tmp);
        assertTrue(length.contains("grpo.max_completion_length: must be a whole number in [1, 32768], got 2147483647"),
                length);
        assertTrue(error("task: t\nmax_completion_length: 1000000000\n", tmp)
                .contains("max_completion_length (grpo.max_completion_length): must be a whole number in [1, 32768]"));
        String batch = error("task: t\nbatch_size: 4294967296\n", tmp);
        assertTrue(batch.contains("batch_size: must be a whole number in [1, 65536], got 4294967296"), batch);
        String g = error("task: t\ngrpo: {num_generations: 1}\n", tmp);
        assertTrue(g.contains("grpo.num_generations: must be a whole number in [2, 4096], got 1"), g);
        String weight = error("task: t\nrewards: {accuracy: .nan}\n", tmp);
        assertTrue(weight.contains("rewards.accuracy: must be in [") && weight.contains("got NaN"), weight);
        String infinite = error("task: t\nrewards: {accuracy: .inf}\n", tmp);
        assertTrue(infinite.contains("rewards.accuracy") && infinite.contains("Infinity"), infinite);
        String device = error("task: t\ndevice: tpu\n", tmp);
        assertTrue(device.contains("device: 'tpu' is not a device; valid: cpu, cuda (the first GPU), cuda:N"), device);
        assertTrue(error("task: t\ndevice: cuda:x\n", tmp).contains("is not a device"));
        assertTrue(error("task: t\ncheckpoint_every: 3000000000\n", tmp).contains("checkpoint_every: must be"));
        assertTrue(error("task: t\ndata: {max_image_pixels: 0}\n", tmp).contains("data.max_image_pixels"));
        assertTrue(error("task: t\ngrpo: {reward_timeout: 0}\n", tmp).contains("grpo.reward_timeout"));
        assertTrue(error("task: t\nmodel: {hidden_size: 99999999}\n", tmp).contains("model.hidden_size"));
        // The valid forms still parse.
        assertEquals("cuda:1", parse("task: t\ndevice: cuda:1\n", tmp).device());
        assertEquals("cuda", parse("task: t\ndevice: cuda\n", tmp).device());
        RunConfig defaults = parse("task: t\n", tmp);
        assertEquals(RunConfig.DEFAULT_STEPS, defaults.steps(), "neither steps nor epochs: the default");
        assertEquals(RunConfig.DEFAULT_MAX_IMAGE_PIXELS, defaults.data().maxImagePixels());
        assertEquals(5.0, defaults.grpo().rewardTimeout());
        assertEquals(-0.5, parse("task: t\nrewards: {length: -0.5}\n", tmp).rewards().get("length"),
                "a negative weight (a penalty) is a finite number and allowed");
    }

    @Test
    void yamlAndJsonSyntaxErrorsNameTheLine(@TempDir Path tmp) throws Exception {
        String yaml = error("task: t\nbatch_size: 2\ngrpo: {mu: 1\nsteps: 3\n", tmp);
        assertTrue(yaml.matches("(?s).*run\\.yaml:\\d+:\\d+: not valid YAML .*line \\d+ column \\d+.*"), yaml);
        String tabs = error("task: t\n\tbatch_size: 2\n", tmp);
        assertTrue(tabs.contains("run.yaml:2:"), tabs);
        Path json = tmp.resolve("run.json");
        Files.writeString(json, "{\"task\": \"t\",\n \"steps\": 3,,\n}");
        String j = assertThrows(ConfigException.class, () -> RunConfig.read(json, BASE)).getMessage();
        assertTrue(j.contains("run.json: not valid JSON") && j.contains("line 2"), j);
    }
}
