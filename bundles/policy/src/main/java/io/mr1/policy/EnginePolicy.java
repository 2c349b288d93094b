package io.mr1.policy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.mr1.api.backend.LossStatistics;
import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.backend.StepResult;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import io.mr1.models.ChatTemplate;
import io.mr1.models.Checkpoints;
import io.mr1.models.ImageProcessor;
import io.mr1.models.ImageProcessorConfig;
import io.mr1.models.ModelConfig;
import io.mr1.models.Qwen2VlModel;
import io.mr1.models.SafeTensors;
import io.mr1.models.SpecialTokens;
import io.mr1.objective.GrpoLoss;
import io.mr1.objective.SftLoss;
import io.mr1.tensor.Parameters;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A Qwen2-VL-structured policy on any {@link TensorEngine}: the parameters (pi_theta, trainable
 * variables named as in the checkpoint), the frozen reference (variables {@code ref.NAME}) and
 * the AdamW moments live in the engine; everything a call computes lives in one of the
 * engine's scopes, so memory does not grow from step to step.
 *
 * <p>A training step runs its completions in micro-batches ({@link TrainingBatch#microBatchSize}):
 * each micro-batch's loss is weighted by its share of the batch (see
 * {@link GrpoLoss#microBatchWeight}) and back-propagated, the gradients accumulate, and the
 * optimiser steps once, so the update equals the one of a single pass over the whole batch.
 */
public final class EnginePolicy implements Policy {

    /** Copied from the loaded folder into every saved checkpoint when present. */
    private static final List<String> COPIED = List.of(Checkpoints.TOKENIZER, SpecialTokens.TOKENIZER_CONFIG,
            SpecialTokens.GENERATION_CONFIG);

    /** Variable-name prefix of the frozen reference weights. */
    static final String REFERENCE = "ref.";
    private static final String FLOAT32 = "float32";

    private final TensorEngine engine;
    private final TextTokenizer tokenizer;
    private final ModelConfig config;
    private final ImageProcessorConfig images;
    /**
     * The tokenizer and generation files of the loaded folder, read at load time: a run that
     * prunes old checkpoints may delete the folder this policy came from before it saves.
     */
    private final Map<String, byte[]> copiedFiles;
    private final List<String> names;
    /** Each parameter's dtype in the loaded folder: saved checkpoints keep it (a BF16 model stays BF16). */
    private final Map<String, String> storedDtypes;
    private final SequenceScorer scorer;
    private final Decoder decoder;
    private final AdamW optimizer;
    private final Parameters policyWeights;
    private final Parameters referenceWeights;

    /**
     * Loads a checkpoint folder ({@code config.json}, {@code model.safetensors} or shards,
     * {@code tokenizer.json}, optionally the optimiser state) into an engine, streaming the
     * weights tensor by tensor from memory-mapped files ({@link TensorEngine#create(String,
     * java.nio.ByteBuffer, String, long[], boolean)}), so the host never holds the checkpoint
     * beside the engine's copy. On failure the engine and tokenizer are left for the caller to close.
     *
     * @param engine the engine to hold the weights
     * @param tokenizers opens the folder's {@code tokenizer.json}
     * @param checkpoint the policy's folder
     * @param referenceDir the frozen reference's folder (often the same)
     * @return the policy, owning engine and tokenizer from then on
     * @throws IOException if the folder is incomplete or does not match its config
     */
    public static EnginePolicy load(TensorEngine engine, Function<Path, TextTokenizer> tokenizers, Path checkpoint,
                                    Path referenceDir) throws IOException {
        return load(engine, tokenizers, checkpoint, referenceDir, FLOAT32, FLOAT32);
    }

    /**
     * As {@link #load(TensorEngine, Function, Path, Path)}, holding the policy's weights and the
     * frozen reference in given dtypes ({@code model.dtype}, {@code model.reference_dtype}):
     * the forward passes compute in the weights' dtype, the optimiser keeps float32 master
     * copies and moments (see {@link AdamW}).
     *
     * @param engine the engine to hold the weights
     * @param tokenizers opens the folder's {@code tokenizer.json}
     * @param checkpoint the policy's folder
     * @param referenceDir the frozen reference's folder (often the same)
     * @param dtype the policy's dtype, one of the engine's {@link TensorEngine#dtypes}
     * @param referenceDtype the reference's dtype, likewise
     * @return the policy, owning engine and tokenizer from then on
     * @throws IOException if the folder is incomplete or does not match its config
     * @throws IllegalArgumentException for a dtype the engine cannot hold
     */
    public static EnginePolicy load(TensorEngine engine, Function<Path, TextTokenizer> tokenizers, Path checkpoint,
                                    Path referenceDir, String dtype, String referenceDtype) throws IOException {
        for (String d : new String[] {dtype, referenceDtype}) {
            if (!engine.dtypes().contains(d)) {
                throw new IllegalArgumentException("the engine cannot hold weights in " + d + "; it holds "
                        + new TreeSet<>(engine.dtypes()));
            }
        }
        Path configFile = checkpoint.resolve(Checkpoints.CONFIG);
        if (!Files.isRegularFile(configFile)) {
            throw new IOException("not a checkpoint folder (no " + Checkpoints.CONFIG + "): " + checkpoint);
        }
        ModelConfig config = ModelConfig.read(configFile);
        Qwen2VlModel model = new Qwen2VlModel(config);
        Path tokenizerFile = checkpoint.resolve(Checkpoints.TOKENIZER);
        if (!Files.isRegularFile(tokenizerFile)) {
            throw new IOException("missing " + tokenizerFile);
        }
        // Both folders are checked from their headers before any tensor is loaded; then each tensor
        // is memory-mapped, copied into the engine and unmapped, one at a time.
        Map<String, SafeTensors.TensorInfo> stored = Checkpoints.describeWeights(checkpoint);
        Checkpoints.validateLayout(weightsFile(checkpoint), model, stored);
        boolean sameReference = referenceDir.toAbsolutePath().normalize()
                .equals(checkpoint.toAbsolutePath().normalize());
        if (!sameReference) {
            Checkpoints.validateLayout(weightsFile(referenceDir), model, Checkpoints.describeWeights(referenceDir));
        }
        Checkpoints.streamWeights(checkpoint, (name, info, bytes) -> {
            engine.create(name, bytes, info.dtype(), info.shape(), true, dtype);
            if (sameReference) {
                engine.create(REFERENCE + name, bytes, info.dtype(), info.shape(), false, referenceDtype);
            }
        });
        if (!sameReference) {
            Checkpoints.streamWeights(referenceDir, (name, info, bytes) ->
                    engine.create(REFERENCE + name, bytes, info.dtype(), info.shape(), false, referenceDtype));
        }
        List<String> names = new ArrayList<>(model.parameters().keySet());
        // Training continues from another folder than its reference (a resume): float32 parameters take their
        // exact values from the optimiser state; a folder loaded as its own reference is evaluated as stored.
        long updates = readOptimizerState(engine, checkpoint, names, !sameReference);
        ImageProcessorConfig images = config.visionConfig() == null ? null
                : ImageProcessorConfig.read(checkpoint, config.visionConfig());
        TextTokenizer tokenizer = tokenizers.apply(tokenizerFile);
        SpecialTokens special;
        try {
            special = SpecialTokens.read(checkpoint, config, tokenizer::encode);
        } catch (IOException | RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        Map<String, String> dtypes = new LinkedHashMap<>();
        stored.forEach((name, info) -> dtypes.put(name, info.dtype()));
        return new EnginePolicy(engine, tokenizer, model, images, special, checkpoint, names, dtypes, updates);
    }

    /** The file that names a folder's weights: its index when sharded, else model.safetensors. */
    private static Path weightsFile(Path folder) {
        Path index = folder.resolve(Checkpoints.INDEX);
        return Files.isRegularFile(index) ? index : folder.resolve(Checkpoints.WEIGHTS);
    }

    private static long readOptimizerState(TensorEngine engine, Path checkpoint, List<String> names,
                                           boolean exactValues) throws IOException {
        Path optimizer = checkpoint.resolve(Checkpoints.OPTIMIZER);
        if (!Files.isRegularFile(optimizer)) {
            return 0;
        }
        Set<String> wanted = new java.util.HashSet<>();
        for (String name : names) {
            wanted.add(AdamW.FIRST + name);
            wanted.add(AdamW.SECOND + name);
            // The exact float32 values of parameters the model folder holds narrower: the resumed run continues
            // from them, bit for bit.
            wanted.add(AdamW.MASTER + name);
        }
        Set<String> loaded = new java.util.HashSet<>();
        SafeTensors.stream(optimizer, (name, info, bytes) -> {
            if (!wanted.contains(name)) {
                return;
            }
            String parameter = name.substring(name.indexOf('.') + 1);
            if (name.startsWith(AdamW.MASTER) && engine.dtype(parameter).equals(FLOAT32)) {
                // A float32 parameter saved as BF16/F16 (or a narrower run resumed in float32): its master is its value.
                if (!exactValues) {
                    return;
                }
                if (!Arrays.equals(info.shape(), engine.shape(parameter))) {
                    throw new IOException(optimizer + ": tensor " + name + " has shape " + Arrays.toString(info.shape())
                            + ", its parameter " + Arrays.toString(engine.shape(parameter)));
                }
                engine.create(parameter, bytes, info.dtype(), info.shape(), true);
            } else {
                engine.create(name, bytes, info.dtype(), info.shape(), false);
            }
            loaded.add(name);
        });
        for (String name : names) {
            // A parameter that took part in no step yet has neither moment; one without the other is damage.
            if (loaded.contains(AdamW.FIRST + name) != loaded.contains(AdamW.SECOND + name)) {
                throw new IOException(optimizer + ": only one of the two moments of " + name);
            }
        }
        Path stateFile = checkpoint.resolve(Checkpoints.OPTIMIZER_STATE);
        try {
            JsonObject state = JsonParser.parseString(Files.readString(stateFile, StandardCharsets.UTF_8))
                    .getAsJsonObject();
            return state.get("step").getAsLong();
        } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException e) {
            throw new IOException(stateFile + ": not an optimiser state ({\"step\": N}): " + e.getMessage(), e);
        }
    }

    private EnginePolicy(TensorEngine engine, TextTokenizer tokenizer, Qwen2VlModel model, ImageProcessorConfig images,
                         SpecialTokens special, Path source, List<String> names, Map<String, String> storedDtypes,
                         long updates) {
        this.engine = engine;
        this.tokenizer = tokenizer;
        this.config = model.config();
        this.images = images;
        this.copiedFiles = readCopiedFiles(source);
        this.names = List.copyOf(names);
        this.storedDtypes = Map.copyOf(storedDtypes);
        this.scorer = new SequenceScorer(model, new PromptEncoder(config,
                images == null ? null : new ImageProcessor(images), tokenizer), visionTokenIds(),
                engine::paddedLength);
        this.decoder = new Decoder(engine, scorer, tokenizer, special);
        this.optimizer = new AdamW(engine, names, updates);
        this.policyWeights = engine::variable;
        this.referenceWeights = name -> engine.variable(REFERENCE + name);
    }

    /**
     * The engine holding this policy's variables, for the conformance kit's engine-level
     * checks (a fused optimiser step against the composed reference) and benchmarks.
     *
     * @return the engine
     */
    public TensorEngine engine() {
        return engine;
    }

    /** @return the model's config */
    public ModelConfig config() {
        return config;
    }

    /** The vision markers (image placeholder, vision start and end) that a completion never contains. */
    private int[] visionTokenIds() {
        Set<Integer> ids = new TreeSet<>();
        for (int id : new int[] {config.imageTokenId(), config.visionStartTokenId(), config.visionEndTokenId()}) {
            if (id >= 0 && id < config.vocabSize() && id != config.eosTokenId()) {
                ids.add(id);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    // ---- scoring ----

    /** The padded completion width: the longest completion, rounded up to the engine's shape bucket. */
    private int width(List<Completion> completions) {
        return engine.paddedLength(Math.max(1, completions.stream().mapToInt(Completion::length).max().orElse(1)));
    }

    private static float[] padded(List<float[]> rows, int width) {
        float[] out = new float[rows.size() * width];
        for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(rows.get(r), 0, out, r * width, rows.get(r).length);
        }
        return out;
    }

    private List<float[]> logProbsUnder(Parameters weights, List<Prompt> prompts, List<Completion> completions) {
        if (completions.isEmpty()) {
            return List.of();
        }
        int width = width(completions);
        List<int[]> ids = completions.stream().map(Completion::tokenIds).toList();
        float[] values = engine.evaluate(() -> scorer.completionLogProbs(weights, engine.tensors(), prompts, ids,
                width, false));
        List<float[]> out = new ArrayList<>();
        for (int r = 0; r < completions.size(); r++) {
            out.add(Arrays.copyOfRange(values, r * width, r * width + completions.get(r).length()));
        }
        return out;
    }

    @Override
    public List<float[]> logProbs(List<Prompt> prompts, List<Completion> completions) {
        return logProbsUnder(policyWeights, prompts, completions);
    }

    @Override
    public List<float[]> referenceLogProbs(List<Prompt> prompts, List<Completion> completions) {
        return logProbsUnder(referenceWeights, prompts, completions);
    }

    // ---- sampling ----

    @Override
    public List<List<Completion>> sample(List<Prompt> prompts, SamplingParams params) {
        return sample(prompts, params, true);
    }

    /**
     * Samples; with {@code useCache} false every new token re-runs the whole sequence (the
     * conformance kit checks that both give the same tokens).
     *
     * @param prompts the prompts
     * @param params sampling settings
     * @param useCache decode with the KV cache
     * @return for each prompt, its completions
     */
    public List<List<Completion>> sample(List<Prompt> prompts, SamplingParams params, boolean useCache) {
        return engine.scoped(() -> decoder.sample(policyWeights, engine.tensors(), prompts, params, useCache));
    }

    // ---- training ----

    @Override
    public Completion encodeTarget(String promptId, String text) {
        long[] ids = tokenizer.encode(ChatTemplate.target(text));
        int[] tokens = Arrays.stream(ids).mapToInt(v -> (int) v).toArray();
        return new Completion(promptId, 0, text, tokens, new float[tokens.length], true);
    }

    @Override
    public StepResult step(TrainingBatch batch, PolicyLoss loss, OptimizerSettings settings, long step) {
        int n = batch.completions().size();
        if (n == 0) {
            throw new IllegalArgumentException("a training step needs at least one completion");
        }
        long totalTokens = batch.completions().stream().mapToLong(Completion::length).sum();
        int size = batch.microBatchSize() == 0 ? n : batch.microBatchSize();
        double lossValue = 0;
        List<LossStatistics> parts = new ArrayList<>();
        for (int from = 0; from < n; from += size) {
            TrainingBatch micro = batch.rows(from, Math.min(n, from + size));
            long tokens = micro.completions().stream().mapToLong(Completion::length).sum();
            double weight = loss instanceof PolicyLoss.Grpo grpo
                    ? GrpoLoss.microBatchWeight(grpo.aggregation(), micro.completions().size(), tokens, n, totalTokens)
                    : SftLoss.microBatchWeight(tokens, totalTokens);
            double[] values = engine.scoped(() -> engine.backward(() -> microBatchLoss(micro, loss, weight)));
            lossValue += values[0];
            parts.add(loss instanceof PolicyLoss.Grpo
                    ? new LossStatistics(micro.completions().size(), tokens, values[1], values[2], values[3])
                    : LossStatistics.supervised(micro.completions().size(), tokens));
        }
        double gradNorm = optimizer.update(settings, settings.learningRateAt(step));
        return new StepResult(lossValue, gradNorm, LossStatistics.combine(parts));
    }

    /** The weighted loss of one micro-batch, then its statistics (GRPO: KL, clip ratios). */
    private Tensor[] microBatchLoss(TrainingBatch batch, PolicyLoss loss, double weight) {
        TensorFactory f = engine.tensors();
        List<Completion> completions = batch.completions();
        int n = completions.size();
        int width = width(completions);
        float[] maskValues = new float[n * width];
        for (int r = 0; r < n; r++) {
            Arrays.fill(maskValues, r * width, r * width + completions.get(r).length(), 1f);
        }
        List<int[]> ids = completions.stream().map(Completion::tokenIds).toList();
        Tensor logp = scorer.completionLogProbs(policyWeights, f, batch.prompts(), ids, width, true);
        Tensor mask = f.constant(maskValues, n, width);
        if (loss instanceof PolicyLoss.Grpo grpo) {
            Tensor old = batch.oldLogProbs().isEmpty() ? logp.detach()
                    : f.constant(padded(batch.oldLogProbs(), width), n, width);
            Tensor ref = batch.referenceLogProbs().isEmpty() ? null
                    : f.constant(padded(batch.referenceLogProbs(), width), n, width);
            Tensor adv = f.constant(batch.advantages(), n, 1);
            GrpoLoss.Terms terms = GrpoLoss.compute(grpo, logp, old, ref, adv, mask);
            return new Tensor[] {weighted(terms.loss(), weight), terms.klMean(), terms.clipLowFraction(),
                terms.clipHighFraction()};
        }
        return new Tensor[] {weighted(SftLoss.compute(logp, mask), weight)};
    }

    private static Tensor weighted(Tensor loss, double weight) {
        return weight == 1.0 ? loss : loss.mul(weight);
    }

    // ---- saving ----

    private static Map<String, byte[]> readCopiedFiles(Path source) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (String file : COPIED) {
            Path path = source.resolve(file);
            if (Files.isRegularFile(path)) {
                try {
                    out.put(file, Files.readAllBytes(path));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
                }
            }
        }
        return Map.copyOf(out);
    }

    @Override
    public void save(Path dir, boolean withOptimizerState) throws IOException {
        Path staging = Checkpoints.staging(dir);
        String stored = storedDtypes.values().stream().reduce((a, b) -> a).orElse("F32");
        config.write(staging.resolve(Checkpoints.CONFIG), ModelConfig.torchDtype(stored));
        if (images != null) {
            images.write(staging.resolve(ImageProcessorConfig.FILE));
        }
        for (Map.Entry<String, byte[]> file : copiedFiles.entrySet()) {
            Files.write(staging.resolve(file.getKey()), file.getValue());
        }
        Map<String, SafeTensors.TensorInfo> layout = new LinkedHashMap<>();
        for (String name : names) {
            layout.put(name, new SafeTensors.TensorInfo(storedDtypes.getOrDefault(name, "F32"), engine.shape(name)));
        }
        // One tensor at a time leaves the engine, streamed in bounded chunks straight from the
        // engine's dtype into its stored dtype.
        Checkpoints.writeWeights(staging, layout, (name, info, out) -> engine.write(name, info.dtype(), out),
                Checkpoints.MAX_SHARD_BYTES);
        if (withOptimizerState && optimizer.updates() > 0) {
            Map<String, SafeTensors.TensorInfo> moments = new LinkedHashMap<>();
            for (String prefix : List.of(AdamW.FIRST, AdamW.SECOND, AdamW.MASTER)) {
                for (String name : names) {
                    if (engine.contains(prefix + name) || prefix.equals(AdamW.MASTER) && narrowedOnDisk(name)) {
                        moments.put(prefix + name, new SafeTensors.TensorInfo("F32", engine.shape(name)));
                    }
                }
            }
            // A master with no variable of its own is a float32 parameter's exact value.
            SafeTensors.write(staging.resolve(Checkpoints.OPTIMIZER), moments, (name, info, out) -> engine.write(
                    engine.contains(name) ? name : name.substring(AdamW.MASTER.length()), info.dtype(), out));
            Files.writeString(staging.resolve(Checkpoints.OPTIMIZER_STATE), "{\"step\": " + optimizer.updates() + "}\n",
                    StandardCharsets.UTF_8);
        }
        Checkpoints.commit(staging, dir);
    }

    /**
     * Whether a trained parameter is held in float32 but stored narrower (a BF16 model folder
     * trained in float32): the model folder rounds it, so the optimiser state keeps its exact
     * value as its master, and a resumed run continues bit for bit.
     */
    private boolean narrowedOnDisk(String name) {
        return engine.contains(AdamW.FIRST + name) && !engine.contains(AdamW.MASTER + name)
                && engine.dtype(name).equals(FLOAT32) && !storedDtypes.getOrDefault(name, "F32").equals("F32");
    }

    /** The engine's running counters (see {@link TensorEngine#statistics}). */
    @Override
    public Map<String, Double> engineStatistics() {
        return engine.statistics();
    }

    @Override
    public long parameterCount() {
        long total = 0;
        for (String name : names) {
            total += Arrays.stream(engine.shape(name)).reduce(1, (a, b) -> a * b);
        }
        return total;
    }

    @Override
    public void close() {
        try {
            tokenizer.close();
        } finally {
            engine.close();
        }
    }
}
