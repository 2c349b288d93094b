package io.mr1.backend.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.backend.LossStatistics;
import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.backend.StepResult;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.api.types.Completion;
import io.mr1.api.types.ImageRef;
import io.mr1.api.types.Prompt;
import io.mr1.models.Checkpoints;
import io.mr1.policy.EnginePolicy;
import io.mr1.models.ImageProcessorConfig;
import io.mr1.models.ModelConfig;
import io.mr1.models.Qwen2VlModel;
import io.mr1.models.SafeTensors;
import io.mr1.models.WordLevelTokenizerJson;
import io.mr1.tensor.Parameters;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import io.mr1.objective.GrpoLoss;
import io.mr1.objective.GrpoReferenceObjective;
import io.mr1.objective.SftLoss;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks every backend must pass. A backend's test class extends this and implements
 * the hooks; the kit builds its own tiny model, so no files are needed.
 */
public abstract class BackendConformanceKit {

    /** @return the backend under test */
    protected abstract PolicyBackend backend();

    /**
     * Runs code with a tensor factory of the backend's engine, releasing what it created afterwards.
     *
     * @param work the code
     * @param <T> its result
     * @return the result (plain Java values only)
     */
    protected abstract <T> T withTensors(Function<TensorFactory, T> work);

    /**
     * The engine's gradient of a scalar function at a point.
     *
     * @param tensors the factory the function's constants come from
     * @param x the point (row-major)
     * @param shape its shape
     * @param f the function, returning a scalar tensor
     * @return df/dx, row-major
     */
    protected abstract double[] gradient(TensorFactory tensors, double[] x, long[] shape, Function<Tensor, Tensor> f);

    /**
     * Samples recomputing the whole sequence for every token (no KV cache).
     *
     * @param policy a policy of this backend
     * @param prompts prompts
     * @param params sampling settings
     * @return completions, as {@link Policy#sample} returns them
     */
    protected abstract List<List<Completion>> sampleWithoutCache(Policy policy, List<Prompt> prompts,
                                                                 SamplingParams params);

    /** Relative tolerance of the loss against the double-precision reference. */
    protected double lossTolerance() {
        return 1e-5;
    }

    static final List<Prompt> PROMPTS = List.of(Prompt.text("a", "how many items are there ?"),
            Prompt.text("b", "count the objects in the image"));

    /**
     * A tiny Qwen2-VL: hidden 32, 2 layers, 4 heads over 2 KV heads, vision depth 1, width 16,
     * patch 4 (so a 40x30 test image is a few patches).
     *
     * @param vocab the word-level vocabulary
     * @return the config
     */
    public static ModelConfig tinyConfig(Map<String, Integer> vocab) {
        return ModelConfig.tiny(vocab).withDecoder(32, 64, 2, 4, 2)
                .withVision(new ModelConfig.VisionConfig(1, 16, 2, 2, 4, 2, 2, 3));
    }

    /**
     * The tiny model's image processor: at most 512 pixels, so {@link #dotsImage}'s 40x30
     * becomes 24x16, a 6x4 grid of patches (6 image tokens, not square).
     *
     * @param config the tiny config
     * @return the settings
     */
    public static ImageProcessorConfig tinyImages(ModelConfig config) {
        return ImageProcessorConfig.of(config.visionConfig(), 64, 512);
    }

    /** A tiny model folder with seeded random weights. */
    protected static Path tinyModel(Path dir, long seed) throws Exception {
        List<String> words = new ArrayList<>(List.of("user", "assistant", "how", "many", "items", "are", "there",
                "in", "the", "image", "?", ".", "count", "objects", "answer", "is"));
        for (int i = 0; i <= 10; i++) {
            words.add(Integer.toString(i));
        }
        Map<String, Integer> vocab = WordLevelTokenizerJson.vocabulary(words);
        ModelConfig config = tinyConfig(vocab);
        Checkpoints.createRandom(dir, config, tinyImages(config), vocab, seed);
        return dir;
    }

    @Test
    void logProbsOfAFixedCheckpointAreStableAcrossRunsAndLoads(@TempDir Path tmp) throws Exception {
        Path model = tinyModel(tmp.resolve("m"), 11);
        List<Completion> completions;
        List<float[]> first;
        List<float[]> second;
        try (Policy policy = backend().load(model, "cpu")) {
            completions = policy.sample(PROMPTS, new SamplingParams(2, 1.0, 1.0, 0, 6, 5)).stream()
                    .flatMap(List::stream).toList();
            List<Prompt> prompts = completions.stream().map(c -> c.promptId().equals("a") ? PROMPTS.get(0)
                    : PROMPTS.get(1)).toList();
            first = policy.logProbs(prompts, completions);
            second = policy.logProbs(prompts, completions);
            try (Policy again = backend().load(model, "cpu")) {
                List<float[]> third = again.logProbs(prompts, completions);
                for (int i = 0; i < first.size(); i++) {
                    assertArrayEquals(first.get(i), second.get(i), 0f, "same policy, two calls");
                    assertArrayEquals(first.get(i), third.get(i), 0f, "two loads of one checkpoint");
                    assertArrayEquals(completions.get(i).logProbs(), first.get(i), 1e-4f,
                            "sampling log-probs equal a scoring pass");
                }
            }
        }
    }

    /**
     * A small PNG with {@code objects} red dots on grey, for prompts with an image.
     *
     * @param dir the folder
     * @param name the file name
     * @param objects how many dots (up to 4 fit)
     * @return the file
     * @throws Exception if it cannot be written
     */
    public static Path dotsImage(Path dir, String name, int objects) throws Exception {
        BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.GRAY);
        g.fillRect(0, 0, 40, 30);
        g.setColor(Color.RED);
        for (int i = 0; i < objects; i++) {
            g.fillOval(2 + i * 9, 6 + (i % 2) * 10, 7, 7);
        }
        g.dispose();
        Path file = dir.resolve(name);
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    /**
     * A backend may run a prompt shared by a group of completions once (GRPO's G rows per
     * prompt); whatever it does, log-probs and the training step must be those of rows
     * scored one by one: the same batch with every row's prompt made distinct (own id) is
     * the comparison.
     */
    @Test
    void rowsSharingAPromptScoreAndTrainLikeRowsWithTheirOwn(@TempDir Path tmp) throws Exception {
        Path model = tinyModel(tmp.resolve("m"), 19);
        List<Prompt> unique = List.of(
                new Prompt("p", "how many items are there ?", List.of(new ImageRef(dotsImage(tmp, "2.png", 2)))),
                new Prompt("q", "count the objects in the image", List.of(new ImageRef(dotsImage(tmp, "3.png", 3)))));
        int g = 3;
        List<Completion> completions;
        List<Prompt> shared = new ArrayList<>();
        List<Prompt> distinct = new ArrayList<>();
        try (Policy policy = backend().load(model, "cpu")) {
            completions = policy.sample(unique, new SamplingParams(g, 1.0, 1.0, 0, 6, 7)).stream()
                    .flatMap(List::stream).toList();
            for (int r = 0; r < completions.size(); r++) {
                Prompt prompt = unique.get(r / g);
                shared.add(prompt);
                distinct.add(new Prompt(prompt.id() + "#" + r, prompt.text(), prompt.images()));
            }
            List<float[]> together = policy.logProbs(shared, completions);
            List<float[]> apart = policy.logProbs(distinct, completions);
            for (int r = 0; r < completions.size(); r++) {
                assertArrayEquals(apart.get(r), together.get(r), 1e-5f, "row " + r + ": shared prompt vs own prompt");
                assertArrayEquals(completions.get(r).logProbs(), together.get(r), 1e-4f,
                        "row " + r + ": sampling log-probs equal a scoring pass");
            }
        }
        double[] advantages = new double[completions.size()];
        for (int r = 0; r < advantages.length; r++) {
            advantages[r] = (r % g) - 1.0;
        }
        PolicyLoss.Grpo loss = new PolicyLoss.Grpo(0.0, 0.2, 0.2, PolicyLoss.KlEstimator.K3,
                PolicyLoss.Aggregation.SEQUENCE_MEAN, 6);
        OptimizerSettings sgdLike = new OptimizerSettings(1e-3, 0, 0.9, 0.999, 1e-8, 0, 0, 1,
                OptimizerSettings.Decay.CONSTANT);
        StepResult[] results = new StepResult[2];
        List<List<float[]>> after = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            try (Policy policy = backend().load(model, "cpu")) {
                List<Prompt> rows = k == 0 ? shared : distinct;
                results[k] = policy.step(new TrainingBatch(rows, completions, advantages, List.of(), List.of()), loss,
                        sgdLike, 0);
                after.add(policy.logProbs(distinct, completions));
            }
        }
        assertEquals(results[1].loss(), results[0].loss(), 1e-6, "loss");
        assertTrue(results[1].gradNorm() > 0, "the step has a gradient");
        assertEquals(results[1].gradNorm(), results[0].gradNorm(), 1e-4 * results[1].gradNorm(), "gradient norm");
        for (int r = 0; r < completions.size(); r++) {
            assertArrayEquals(after.get(1).get(r), after.get(0).get(r), 1e-4f, "row " + r + " after one step");
        }
    }

    /**
     * Every tensor-layer op (linear, RMSNorm, LayerNorm, SwiGLU gating, attention with a
     * causal padding mask), fused or composed as the engine chooses, equals the composed
     * reference form in value (double precision) and gradient (same engine); see
     * {@link LayerOpsChecks} for the tolerances.
     */
    @Test
    void layerOpsEqualTheirComposedReferenceInValueAndGradient() {
        withTensors(f -> {
            LayerOpsChecks.checkValues(f);
            LayerOpsChecks.checkGradients(f, (x, shape, fn) -> gradient(f, x, shape, fn));
            return null;
        });
    }

    /**
     * The engine's AdamW update (fused where it has a kernel) equals the composed reference;
     * see {@link AdamWChecks} for the tolerances.
     */
    @Test
    void adamWUpdateEqualsTheComposedReference(@TempDir Path tmp) throws Exception {
        try (Policy policy = backend().load(tinyModel(tmp.resolve("m"), 23), "cpu")) {
            AdamWChecks.check(((EnginePolicy) policy).engine());
        }
    }

    /**
     * For a backend that holds bfloat16: the engine's AdamW through float32 master copies equals
     * the composed reference, each parameter is its master rounded to nearest even, and at
     * lr 1e-6 the master moves while a plain bfloat16 update would round back to the old value;
     * see {@link AdamWChecks#checkMasters}. Skipped for backends that hold float32 only.
     */
    @Test
    void bfloat16AdamWUpdatesFloat32MastersAsTheComposedReference(@TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(backend().weightDtypes().contains("bfloat16"),
                "the backend holds float32 only");
        Path model = tinyModel(tmp.resolve("m"), 23);
        try (Policy policy = backend().load(model, model, "cpu", "bfloat16", "bfloat16")) {
            AdamWChecks.checkMasters(((EnginePolicy) policy).engine());
        }
    }

    /**
     * The engine's token draw equals the host sampler at the same uniform numbers, fits the
     * exact truncated distribution and is bit-reproducible; see {@link SamplingChecks}.
     */
    @Test
    void tokenDrawMatchesTheHostSamplerAndItsDistribution(@TempDir Path tmp) throws Exception {
        try (Policy policy = backend().load(tinyModel(tmp.resolve("m"), 37), "cpu")) {
            SamplingChecks.check(((EnginePolicy) policy).engine());
        }
    }

    @Test
    void lossEqualsTheDoublePrecisionReferenceAndSoDoesItsGradient() {
        Random random = new Random(3);
        int batch = 3;
        int width = 5;
        int[] lens = {5, 2, 4};
        double[][] logp = new double[batch][];
        double[][] old = new double[batch][];
        double[][] ref = new double[batch][];
        double[] flatLogp = new double[batch * width];
        double[] flatOld = new double[batch * width];
        double[] flatRef = new double[batch * width];
        double[] mask = new double[batch * width];
        double[] adv = {0.8, -1.1, 0.3};
        for (int i = 0; i < batch; i++) {
            logp[i] = new double[lens[i]];
            old[i] = new double[lens[i]];
            ref[i] = new double[lens[i]];
            for (int t = 0; t < lens[i]; t++) {
                old[i][t] = -0.3 - random.nextDouble() * 2;
                double ratio;
                do { // stay off the clip kinks
                    logp[i][t] = old[i][t] + random.nextGaussian() * 0.3;
                    ratio = Math.exp(logp[i][t] - old[i][t]);
                } while (Math.abs(ratio - 0.8) < 1e-2 || Math.abs(ratio - 1.28) < 1e-2);
                ref[i][t] = old[i][t] + random.nextGaussian() * 0.3;
                // round to float so both sides see the same inputs
                logp[i][t] = (float) logp[i][t];
                old[i][t] = (float) old[i][t];
                ref[i][t] = (float) ref[i][t];
                flatLogp[i * width + t] = logp[i][t];
                flatOld[i * width + t] = old[i][t];
                flatRef[i * width + t] = ref[i][t];
                mask[i * width + t] = 1;
            }
        }
        for (PolicyLoss.KlEstimator k : PolicyLoss.KlEstimator.values()) {
            for (PolicyLoss.Aggregation agg : PolicyLoss.Aggregation.values()) {
                PolicyLoss.Grpo spec = new PolicyLoss.Grpo(0.04, 0.2, 0.28, k, agg, 6);
                GrpoReferenceObjective.Result expected = GrpoReferenceObjective.evaluate(spec, logp, old, ref, adv);
                double[] result = withTensors(f -> {
                    Tensor tOld = f.constant(flatOld, batch, width);
                    Tensor tRef = f.constant(flatRef, batch, width);
                    Tensor tAdv = f.constant(adv, batch, 1);
                    Tensor tMask = f.constant(mask, batch, width);
                    Function<Tensor, Tensor> loss = x -> GrpoLoss.compute(spec, x, tOld, tRef, tAdv, tMask).loss();
                    double value = loss.apply(f.constant(flatLogp, batch, width)).toScalar();
                    double[] grad = gradient(f, flatLogp, new long[] {batch, width}, loss);
                    double[] out = new double[grad.length + 1];
                    out[0] = value;
                    System.arraycopy(grad, 0, out, 1, grad.length);
                    return out;
                });
                double rel = Math.abs(result[0] - expected.loss()) / Math.max(1e-8, Math.abs(expected.loss()));
                assertTrue(rel < lossTolerance(), k + "/" + agg + ": loss " + result[0] + " vs " + expected.loss());
                double num = 0;
                double den = 0;
                for (int i = 0; i < batch; i++) {
                    for (int t = 0; t < width; t++) {
                        double want = t < lens[i] ? expected.gradient()[i][t] : 0;
                        double got = result[1 + i * width + t];
                        num += (got - want) * (got - want);
                        den += want * want;
                    }
                }
                assertTrue(Math.sqrt(num / den) < 1e-4, k + "/" + agg + ": gradient error " + Math.sqrt(num / den));
            }
        }
    }

    @Test
    void modelGradientMatchesFiniteDifferences(@TempDir Path tmp) throws Exception {
        Path dir = tinyModel(tmp.resolve("m"), 13);
        ModelConfig config = ModelConfig.read(dir.resolve(Checkpoints.CONFIG));
        Qwen2VlModel model = new Qwen2VlModel(config);
        Map<String, SafeTensors.Entry> weights = SafeTensors.read(dir.resolve(Checkpoints.WEIGHTS));
        String probe = "model.layers.1.mlp.up_proj.weight";
        SafeTensors.Entry w = weights.get(probe);
        double[] x0 = new double[w.data().length];
        Random random = new Random(17);
        double[] direction = new double[x0.length];
        for (int i = 0; i < x0.length; i++) {
            x0[i] = w.data()[i];
            direction[i] = random.nextGaussian();
        }
        long[][] ids = {{2, 20, 21, 22, 23, 24, 25}};
        long[] text = {0, 1, 2, 3, 4, 5, 6};
        long[][][] pos = {{text, text, text}}; // text: the same position on the three M-RoPE axes
        int[][] keyMask = {{1, 1, 1, 1, 1, 1, 1}};
        long[] targets = {21, 22, 23, 24, 25, 26};
        PolicyLoss.Grpo spec = new PolicyLoss.Grpo(0.0, 0.2, 0.2, PolicyLoss.KlEstimator.K3,
                PolicyLoss.Aggregation.SEQUENCE_MEAN, 6);
        double[] result = withTensors(f -> {
            Function<Tensor, Tensor> loss = x -> {
                Parameters p = name -> name.equals(probe) ? x
                        : f.constant(weights.get(name).data(), weights.get(name).shape());
                Tensor logp = model.forward(p, f, ids, pos, keyMask, null, null).slice(1, 0, 6).logSoftmax(-1)
                        .gatherLast(f.indices(targets, 1, 6));
                return GrpoLoss.compute(spec, logp, logp.detach(), null, f.constant(new double[] {1.0}, 1, 1),
                        f.constant(new double[] {1, 1, 1, 1, 1, 1}, 1, 6)).loss();
            };
            double[] g = gradient(f, x0, w.shape(), loss);
            double analytic = 0;
            for (int i = 0; i < g.length; i++) {
                analytic += g[i] * direction[i];
            }
            double h = 1e-2;
            double[] plus = new double[x0.length];
            double[] minus = new double[x0.length];
            for (int i = 0; i < x0.length; i++) {
                plus[i] = x0[i] + h * direction[i];
                minus[i] = x0[i] - h * direction[i];
            }
            // At mu = 1 the ratio is exactly 1: the loss value is -mean(A) whatever x is, so finite
            // differences use the policy-gradient surrogate's value, the mean log-prob times -A.
            Function<Tensor, Double> surrogate = x -> {
                Parameters p = name -> name.equals(probe) ? x
                        : f.constant(weights.get(name).data(), weights.get(name).shape());
                return -model.forward(p, f, ids, pos, keyMask, null, null).slice(1, 0, 6).logSoftmax(-1)
                        .gatherLast(f.indices(targets, 1, 6)).sum().toScalar() / 6;
            };
            double numeric = (surrogate.apply(f.constant(plus, w.shape()))
                    - surrogate.apply(f.constant(minus, w.shape()))) / (2 * h);
            return new double[] {analytic, numeric};
        });
        double rel = Math.abs(result[0] - result[1]) / Math.max(1e-9, Math.abs(result[1]));
        assertTrue(rel < 2e-2, "directional derivative: autograd " + result[0] + " vs finite differences "
                + result[1]);
    }

    @Test
    void saveThenLoadIsBitExact(@TempDir Path tmp) throws Exception {
        Path model = tinyModel(tmp.resolve("m"), 19);
        Path saved = tmp.resolve("saved");
        try (Policy policy = backend().load(model, "cpu")) {
            policy.save(saved, false);
        }
        assertArrayEquals(Files.readAllBytes(model.resolve(Checkpoints.WEIGHTS)),
                Files.readAllBytes(saved.resolve(Checkpoints.WEIGHTS)));
        try (Policy reloaded = backend().load(saved, "cpu")) {
            Path again = tmp.resolve("again");
            reloaded.save(again, false);
            assertArrayEquals(Files.readAllBytes(saved.resolve(Checkpoints.WEIGHTS)),
                    Files.readAllBytes(again.resolve(Checkpoints.WEIGHTS)));
        }
    }

    @Test
    void temperatureZeroIsGreedy(@TempDir Path tmp) throws Exception {
        Path dir = tinyModel(tmp.resolve("m"), 23);
        List<Completion> greedy;
        try (Policy policy = backend().load(dir, "cpu")) {
            greedy = policy.sample(PROMPTS.subList(0, 1), new SamplingParams(2, 0.0, 1.0, 0, 6, 1)).get(0);
            List<Completion> otherSeed = policy.sample(PROMPTS.subList(0, 1),
                    new SamplingParams(1, 0.0, 1.0, 0, 6, 999)).get(0);
            assertArrayEquals(greedy.get(0).tokenIds(), greedy.get(1).tokenIds());
            assertArrayEquals(greedy.get(0).tokenIds(), otherSeed.get(0).tokenIds());
            // Each greedy token must be the most likely one: none of its alternatives scores higher.
            int[] tokens = greedy.get(0).tokenIds();
            ModelConfig config = ModelConfig.read(dir.resolve(Checkpoints.CONFIG));
            for (int k = 0; k < tokens.length; k++) {
                float chosen = greedy.get(0).logProbs()[k];
                for (int alt = 0; alt < config.vocabSize(); alt++) {
                    int[] swapped = java.util.Arrays.copyOf(tokens, k + 1);
                    swapped[k] = alt;
                    Completion c = new Completion("a", 0, "", swapped, new float[k + 1], false);
                    float altLogp = policy.logProbs(PROMPTS.subList(0, 1), List.of(c)).get(0)[k];
                    assertTrue(altLogp <= chosen + 1e-5f, "step " + k + ": token " + alt + " beats the greedy one");
                }
            }
        }
    }

    /**
     * Decoding after an image: with the KV cache each new token sits at the prompt's last
     * M-RoPE position + 1 (transformers' cache length + rope_delta), without it every pass
     * recomputes the positions; both must give the same tokens.
     */
    @Test
    void kvCacheSamplingAfterAnImageEqualsRecomputingFromScratch(@TempDir Path tmp) throws Exception {
        Path dir = tinyModel(tmp.resolve("m"), 31);
        List<Prompt> prompts = List.of(
                new Prompt("p", "how many items are there ?", List.of(new ImageRef(dotsImage(tmp, "2.png", 2)))),
                new Prompt("q", "count the objects", List.of(new ImageRef(dotsImage(tmp, "4.png", 4)))));
        try (Policy policy = backend().load(dir, "cpu")) {
            SamplingParams params = new SamplingParams(2, 1.0, 1.0, 0, 8, 41);
            List<List<Completion>> cached = policy.sample(prompts, params);
            List<List<Completion>> scratch = sampleWithoutCache(policy, prompts, params);
            for (int i = 0; i < cached.size(); i++) {
                for (int j = 0; j < cached.get(i).size(); j++) {
                    assertArrayEquals(scratch.get(i).get(j).tokenIds(), cached.get(i).get(j).tokenIds(),
                            "prompt " + i + " sample " + j);
                    assertArrayEquals(scratch.get(i).get(j).logProbs(), cached.get(i).get(j).logProbs(), 1e-4f);
                }
            }
        }
    }

    @Test
    void kvCacheSamplingEqualsRecomputingFromScratch(@TempDir Path tmp) throws Exception {
        Path dir = tinyModel(tmp.resolve("m"), 29);
        try (Policy policy = backend().load(dir, "cpu")) {
            SamplingParams params = new SamplingParams(3, 1.0, 0.9, 20, 8, 77);
            List<List<Completion>> cached = policy.sample(PROMPTS, params);
            List<List<Completion>> scratch = sampleWithoutCache(policy, PROMPTS, params);
            for (int i = 0; i < cached.size(); i++) {
                for (int j = 0; j < cached.get(i).size(); j++) {
                    assertArrayEquals(scratch.get(i).get(j).tokenIds(), cached.get(i).get(j).tokenIds(),
                            "prompt " + i + " sample " + j);
                    assertEquals(scratch.get(i).get(j).text(), cached.get(i).get(j).text());
                }
            }
        }
    }

    /** Two image prompts, G = 3 completions each, sampled from a fresh tiny model. */
    private record GroupBatch(List<Prompt> rows, List<Completion> completions) {
    }

    private GroupBatch sampledGroups(Path model, Path tmp, int g, int maxTokens) throws Exception {
        List<Prompt> unique = List.of(
                new Prompt("p", "how many items are there ?", List.of(new ImageRef(dotsImage(tmp, "2.png", 2)))),
                new Prompt("q", "count the objects in the image", List.of(new ImageRef(dotsImage(tmp, "3.png", 3)))));
        try (Policy policy = backend().load(model, "cpu")) {
            List<Completion> completions = policy.sample(unique, new SamplingParams(g, 1.0, 1.0, 0, maxTokens, 7))
                    .stream().flatMap(List::stream).toList();
            List<Prompt> rows = new ArrayList<>();
            for (int r = 0; r < completions.size(); r++) {
                rows.add(unique.get(r / g));
            }
            return new GroupBatch(rows, completions);
        }
    }

    private static double[][] toDouble(List<float[]> rows) {
        double[][] out = new double[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new double[rows.get(i).length];
            for (int t = 0; t < out[i].length; t++) {
                out[i][t] = rows.get(i)[t];
            }
        }
        return out;
    }

    /** Log-probs shifted by noise, rounded to float, kept off the clip kinks of a (0.2, 0.28) clip. */
    private static List<float[]> perturbed(List<float[]> logp, Random random, boolean avoidKinks) {
        List<float[]> out = new ArrayList<>();
        for (float[] row : logp) {
            float[] p = new float[row.length];
            for (int t = 0; t < row.length; t++) {
                double ratio;
                do {
                    p[t] = (float) (row[t] + random.nextGaussian() * 0.3);
                    ratio = Math.exp(row[t] - (double) p[t]);
                } while (avoidKinks && (Math.abs(ratio - 0.8) < 2e-2 || Math.abs(ratio - 1.28) < 2e-2));
            }
            out.add(p);
        }
        return out;
    }

    /**
     * The statistics a GRPO step reports are typed and must be the loss's own: KL, clip
     * ratios and counts equal the double-precision reference evaluated on the policy's
     * log-probs (an adaptive KL controller steers on the KL, so a missing or wrong value
     * cannot pass as a default).
     */
    @Test
    void stepStatisticsEqualTheDoublePrecisionReference(@TempDir Path tmp) throws Exception {
        Path model = tinyModel(tmp.resolve("m"), 31);
        GroupBatch batch = sampledGroups(model, tmp, 3, 6);
        Random random = new Random(5);
        double[] advantages = new double[batch.completions().size()];
        for (int r = 0; r < advantages.length; r++) {
            advantages[r] = random.nextGaussian();
        }
        try (Policy policy = backend().load(model, "cpu")) {
            List<float[]> logp = policy.logProbs(batch.rows(), batch.completions());
            List<float[]> old = perturbed(logp, random, true);
            List<float[]> ref = perturbed(logp, random, false);
            for (PolicyLoss.Aggregation aggregation : PolicyLoss.Aggregation.values()) {
                PolicyLoss.Grpo spec = new PolicyLoss.Grpo(0.04, 0.2, 0.28, PolicyLoss.KlEstimator.K3, aggregation, 6);
                GrpoReferenceObjective.Result expected = GrpoReferenceObjective.evaluate(spec, toDouble(logp),
                        toDouble(old), toDouble(ref), advantages);
                OptimizerSettings frozen = new OptimizerSettings(0, 0, 0.9, 0.999, 1e-8, 0, 0, 1,
                        OptimizerSettings.Decay.CONSTANT); // learning rate 0: the policy stays where it is
                StepResult result = policy.step(new TrainingBatch(batch.rows(), batch.completions(), advantages, old,
                        ref), spec, frozen, 0);
                LossStatistics stats = result.statistics();
                String what = aggregation + ": ";
                assertEquals(expected.loss(), result.loss(), 1e-4 * Math.max(1e-3, Math.abs(expected.loss())),
                        what + "loss");
                assertTrue(stats.hasPolicyTerms(), what + "a GRPO step reports KL and clip ratios");
                assertEquals(expected.klMean(), stats.kl(), 1e-4 * Math.max(1e-3, expected.klMean()), what + "kl");
                assertEquals(expected.clipLowFraction(), stats.clipRatioLow(), 1e-6, what + "clip ratio low");
                assertEquals(expected.clipHighFraction(), stats.clipRatioHigh(), 1e-6, what + "clip ratio high");
                assertTrue(expected.clipLowFraction() > 0 && expected.clipHighFraction() > 0,
                        "the batch exercises both clip sides");
                assertEquals(batch.completions().size(), stats.completions(), what + "completions");
                assertEquals(batch.completions().stream().mapToLong(Completion::length).sum(), stats.tokens(),
                        what + "tokens");
            }
            StepResult sft = policy.step(new TrainingBatch(batch.rows(), batch.completions(),
                    new double[advantages.length], List.of(), List.of()), new PolicyLoss.Sft(),
                    new OptimizerSettings(0, 0, 0.9, 0.999, 1e-8, 0, 0, 1, OptimizerSettings.Decay.CONSTANT), 0);
            assertFalse(sft.statistics().hasPolicyTerms(), "an SFT step has no KL or clipping");
            assertEquals(SftLoss.reference(toDouble(logp)), sft.loss(), 1e-5 * Math.abs(sft.loss()), "SFT loss");
        }
    }

    /**
     * A step whose completions run in micro-batches (gradients accumulated, one optimiser
     * update) gives the loss, gradient norm, statistics and updated weights of one pass over
     * the whole batch, for every aggregation and for SFT; micro-batches cut through groups.
     */
    @Test
    void microBatchedStepEqualsOneBatch(@TempDir Path tmp) throws Exception {
        Path model = tinyModel(tmp.resolve("m"), 37);
        GroupBatch batch = sampledGroups(model, tmp, 3, 6);
        double[] advantages = new double[batch.completions().size()];
        Random random = new Random(9);
        for (int r = 0; r < advantages.length; r++) {
            advantages[r] = random.nextGaussian();
        }
        List<float[]> old;
        List<float[]> ref;
        try (Policy policy = backend().load(model, "cpu")) {
            List<float[]> logp = policy.logProbs(batch.rows(), batch.completions());
            old = perturbed(logp, random, true);
            ref = perturbed(logp, random, false);
        }
        OptimizerSettings adam = new OptimizerSettings(1e-2, 0.01, 0.9, 0.999, 1e-8, 1.0, 0, 1,
                OptimizerSettings.Decay.CONSTANT);
        List<PolicyLoss> losses = new ArrayList<>();
        for (PolicyLoss.Aggregation aggregation : PolicyLoss.Aggregation.values()) {
            losses.add(new PolicyLoss.Grpo(0.04, 0.2, 0.28, PolicyLoss.KlEstimator.K3, aggregation, 6));
        }
        losses.add(new PolicyLoss.Sft());
        for (PolicyLoss loss : losses) {
            boolean grpo = loss instanceof PolicyLoss.Grpo;
            TrainingBatch whole = new TrainingBatch(batch.rows(), batch.completions(), advantages,
                    grpo ? old : List.of(), grpo ? ref : List.of());
            StepResult[] results = new StepResult[2];
            List<List<float[]>> after = new ArrayList<>();
            for (int k = 0; k < 2; k++) {
                try (Policy policy = backend().load(model, "cpu")) {
                    results[k] = policy.step(k == 0 ? whole : whole.withMicroBatchSize(4), loss, adam, 0);
                    after.add(policy.logProbs(batch.rows(), batch.completions()));
                }
            }
            String what = loss + ": ";
            assertEquals(results[0].loss(), results[1].loss(), 1e-5 * Math.max(1e-3, Math.abs(results[0].loss())),
                    what + "loss");
            assertTrue(results[0].gradNorm() > 0, what + "the step has a gradient");
            assertEquals(results[0].gradNorm(), results[1].gradNorm(), 1e-4 * results[0].gradNorm(), what + "norm");
            LossStatistics a = results[0].statistics();
            LossStatistics b = results[1].statistics();
            assertEquals(a.tokens(), b.tokens(), what + "tokens");
            assertEquals(a.completions(), b.completions(), what + "completions");
            if (grpo) {
                assertEquals(a.kl(), b.kl(), 1e-5 * Math.max(1e-3, a.kl()), what + "kl");
                assertEquals(a.clipRatioLow(), b.clipRatioLow(), 1e-6, what + "clip low");
                assertEquals(a.clipRatioHigh(), b.clipRatioHigh(), 1e-6, what + "clip high");
            }
            for (int r = 0; r < batch.completions().size(); r++) {
                assertArrayEquals(after.get(0).get(r), after.get(1).get(r), 1e-4f, what + "row " + r + " after the step");
            }
        }
    }
}
