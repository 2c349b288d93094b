package io.mr1.backend.pytorch;

import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.backend.StepResult;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.api.types.Completion;
import io.mr1.api.types.ImageRef;
import io.mr1.api.types.Prompt;
import io.mr1.api.types.StepStats;
import io.mr1.models.ChatTemplate;
import io.mr1.models.Checkpoints;
import io.mr1.models.ImagePatches;
import io.mr1.models.KvCache;
import io.mr1.models.ModelConfig;
import io.mr1.models.Qwen2VlModel;
import io.mr1.models.SafeTensors;
import io.mr1.tensor.Parameters;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import io.mr1.trainer.objective.GrpoLoss;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A Qwen2-VL-structured policy on DJL's PyTorch engine. Parameters, the frozen reference
 * and the AdamW moments live in one NDManager owned by this policy; everything a call
 * creates lives in an NDScope closed when the call returns, so native memory does not grow
 * from step to step.
 */
final class TorchPolicy implements Policy {

    private final NDManager manager;
    private final ModelConfig config;
    private final Qwen2VlModel model;
    private final Path tokenizerFile;
    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private final Map<String, NDArray> reference = new LinkedHashMap<>();
    private final Map<String, NDArray> adamM = new LinkedHashMap<>();
    private final Map<String, NDArray> adamV = new LinkedHashMap<>();
    private final Map<String, NDArray> gradients = new LinkedHashMap<>();
    private long adamSteps;
    /** Preprocessed images by path: training revisits the same images every epoch. */
    private final Map<Path, float[][]> imageCache = new java.util.LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Path, float[][]> eldest) {
            return size() > 4096;
        }
    };
    private final int eosId;
    private final int padId;
    /** Vision placeholder ids: a completion never contains them, so sampling never picks them. */
    private final int[] banned;

    TorchPolicy(NDManager manager, Path checkpoint, Path referenceDir) throws IOException {
        this.manager = manager;
        Path configFile = checkpoint.resolve(Checkpoints.CONFIG);
        if (!Files.isRegularFile(configFile)) {
            throw new IOException("not a checkpoint folder (no " + Checkpoints.CONFIG + "): " + checkpoint);
        }
        this.config = ModelConfig.read(configFile);
        this.model = new Qwen2VlModel(config);
        this.tokenizerFile = checkpoint.resolve(Checkpoints.TOKENIZER);
        if (!Files.isRegularFile(tokenizerFile)) {
            throw new IOException("missing " + tokenizerFile);
        }
        this.tokenizer = HuggingFaceTokenizer.newInstance(tokenizerFile, Map.of("addSpecialTokens", "false"));
        this.eosId = config.eosTokenId();
        this.padId = config.padTokenId();
        this.banned = visionTokenIds();
        Map<String, SafeTensors.Entry> weights = SafeTensors.read(checkpoint.resolve(Checkpoints.WEIGHTS));
        Checkpoints.validate(checkpoint.resolve(Checkpoints.WEIGHTS), model, weights);
        Map<String, SafeTensors.Entry> refWeights = referenceDir.toAbsolutePath().normalize()
                .equals(checkpoint.toAbsolutePath().normalize()) ? weights
                : SafeTensors.read(referenceDir.resolve(Checkpoints.WEIGHTS));
        Checkpoints.validate(referenceDir.resolve(Checkpoints.WEIGHTS), model, refWeights);
        for (String name : model.parameters().keySet()) {
            NDArray p = DjlTensor.owned(manager.create(weights.get(name).data(), new Shape(weights.get(name).shape())));
            p.setRequiresGradient(true);
            params.put(name, p);
            reference.put(name, DjlTensor.owned(manager.create(refWeights.get(name).data(),
                    new Shape(refWeights.get(name).shape()))));
        }
        Path optimizer = checkpoint.resolve(Checkpoints.OPTIMIZER);
        if (Files.isRegularFile(optimizer)) {
            Map<String, SafeTensors.Entry> moments = SafeTensors.read(optimizer);
            for (String name : model.parameters().keySet()) {
                SafeTensors.Entry m = moments.get("m." + name);
                SafeTensors.Entry v = moments.get("v." + name);
                if (m == null && v == null) {
                    continue; // the parameter has not been updated yet (it took part in no step)
                }
                if (m == null || v == null) {
                    throw new IOException(optimizer + ": only one of the two moments of " + name);
                }
                adamM.put(name, DjlTensor.owned(manager.create(m.data(), new Shape(m.shape()))));
                adamV.put(name, DjlTensor.owned(manager.create(v.data(), new Shape(v.shape()))));
            }
            JsonObject state = JsonParser.parseString(Files.readString(checkpoint.resolve(Checkpoints.OPTIMIZER_STATE),
                    StandardCharsets.UTF_8)).getAsJsonObject();
            adamSteps = state.get("step").getAsLong();
        }
    }

    ModelConfig config() {
        return config;
    }

    private int[] visionTokenIds() {
        java.util.Set<Integer> ids = new java.util.TreeSet<>();
        ids.add(config.imageTokenId());
        long unknown = tokenizer.encode("<unk>", false, false).getIds()[0];
        for (String marker : List.of("<|vision_start|>", "<|vision_end|>", "<|image_pad|>")) {
            long[] found = tokenizer.encode(marker, false, false).getIds();
            if (found.length == 1 && found[0] != unknown && found[0] != eosId) {
                ids.add((int) found[0]);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static Parameters view(Map<String, NDArray> arrays) {
        return name -> {
            NDArray a = arrays.get(name);
            if (a == null) {
                throw new IllegalArgumentException("unknown parameter " + name);
            }
            return new DjlTensor(a);
        };
    }

    // ---- prompts and batches ----

    /** A prompt tokenised, with its images preprocessed. */
    private record Encoded(long[] ids, List<float[][]> images) {
    }

    private Encoded encode(Prompt prompt) {
        int perImage = config.visionConfig() == null ? 0 : config.visionConfig().tokensPerImage();
        if (!prompt.images().isEmpty() && config.visionConfig() == null) {
            throw new IllegalArgumentException("prompt " + prompt.id() + " has images but the model has no vision encoder");
        }
        List<float[][]> images = new ArrayList<>();
        for (ImageRef ref : prompt.images()) {
            try {
                Path path = ref.path().toAbsolutePath();
                float[][] patches = imageCache.get(path);
                if (patches == null) {
                    patches = ImagePatches.read(path, config.visionConfig());
                    imageCache.put(path, patches);
                }
                images.add(patches);
            } catch (IOException e) {
                throw new UncheckedIOException("prompt " + prompt.id() + ": " + e.getMessage(), e);
            }
        }
        String text = ChatTemplate.render(prompt.text(), images.size(), perImage);
        return new Encoded(tokenizer.encode(text, false, false).getIds(), images);
    }

    /** Image features for rows whose prompts are given in order (null when there are none). */
    private Tensor imageFeatures(Parameters p, TensorFactory f, List<Encoded> rows) {
        List<float[][]> images = new ArrayList<>();
        rows.forEach(r -> images.addAll(r.images()));
        if (images.isEmpty()) {
            return null;
        }
        int n = images.get(0).length;
        int len = images.get(0)[0].length;
        float[] flat = new float[images.size() * n * len];
        int k = 0;
        for (float[][] image : images) {
            for (float[] patch : image) {
                System.arraycopy(patch, 0, flat, k, len);
                k += len;
            }
        }
        Tensor patches = f.constant(flat, images.size(), n, len);
        return model.encodeImages(p, f, patches, ImagePatches.order(config.visionConfig()));
    }

    /**
     * Per-token log-probs of completions. Rows whose prompts are equal (a GRPO group: one
     * prompt, G completions) share one forward pass over the prompt: the prompt minus its
     * last token runs once per distinct prompt into a KV cache, the cache is repeated per
     * row, and one pass over [last prompt token, right-padded completion] gives every
     * completion token's logits. With G = 8 this runs the prompt (images included) 8 times
     * less; gradients flow back through the repeated cache. The values equal
     * {@link #completionLogProbsUnshared} up to float rounding (the conformance kit checks).
     *
     * @return [N, C] log-probs (with gradient when p requires it); rows past a completion's length are padding
     */
    private Tensor completionLogProbs(Parameters p, TensorFactory f, List<Prompt> prompts, List<int[]> completions,
                                      int width) {
        Map<Prompt, Integer> firstRow = new LinkedHashMap<>();
        int[] source = new int[prompts.size()];
        List<Encoded> unique = new ArrayList<>();
        for (int r = 0; r < prompts.size(); r++) {
            Integer u = firstRow.get(prompts.get(r));
            if (u == null) {
                u = unique.size();
                firstRow.put(prompts.get(r), u);
                unique.add(encode(prompts.get(r)));
            }
            source[r] = u;
        }
        if (unique.size() == prompts.size() || unique.stream().anyMatch(e -> e.ids().length < 2)) {
            List<Encoded> rows = new ArrayList<>();
            for (int r = 0; r < prompts.size(); r++) {
                rows.add(unique.get(source[r]));
            }
            return completionLogProbsUnshared(p, f, rows, completions, width);
        }
        int n = prompts.size();
        int u = unique.size();
        int prefixLen = unique.stream().mapToInt(e -> e.ids().length).max().orElse(0) - 1;
        long[][] prefixIds = new long[u][prefixLen];
        long[][] prefixPos = new long[u][prefixLen];
        int[][] prefixMask = new int[u][prefixLen];
        for (int i = 0; i < u; i++) {
            long[] prompt = unique.get(i).ids();
            int offset = prefixLen - (prompt.length - 1);
            Arrays.fill(prefixIds[i], padId);
            for (int j = 0; j < prompt.length - 1; j++) {
                prefixIds[i][offset + j] = prompt[j];
                prefixMask[i][offset + j] = 1;
                prefixPos[i][offset + j] = j;
            }
        }
        KvCache shared = new KvCache(config.numHiddenLayers());
        model.forward(p, f, prefixIds, prefixPos, prefixMask, imageFeatures(p, f, unique), shared);
        KvCache cache = shared.repeatRows(f, source);
        int t = 1 + width;
        long[][] ids = new long[n][t];
        long[][] positions = new long[n][t];
        int[][] mask = new int[n][prefixLen + t];
        long[] targets = new long[n * width];
        for (int r = 0; r < n; r++) {
            long[] prompt = unique.get(source[r]).ids();
            int[] completion = completions.get(r);
            System.arraycopy(prefixMask[source[r]], 0, mask[r], 0, prefixLen);
            Arrays.fill(ids[r], padId);
            ids[r][0] = prompt[prompt.length - 1];
            positions[r][0] = prompt.length - 1;
            mask[r][prefixLen] = 1;
            for (int j = 0; j < completion.length; j++) {
                ids[r][1 + j] = completion[j];
                positions[r][1 + j] = prompt.length + j;
                mask[r][prefixLen + 1 + j] = 1;
                targets[r * width + j] = completion[j];
            }
        }
        Tensor logits = model.forward(p, f, ids, positions, mask, null, cache);
        return scoreTokens(f, logits.slice(1, 0, width), targets, n, width);
    }

    /** Log-probs with one forward pass per row over [left-padded prompt, right-padded completion]. */
    private Tensor completionLogProbsUnshared(Parameters p, TensorFactory f, List<Encoded> prompts,
                                              List<int[]> completions, int width) {
        int n = prompts.size();
        int promptLen = prompts.stream().mapToInt(e -> e.ids().length).max().orElse(0);
        int t = promptLen + width;
        long[][] ids = new long[n][t];
        long[][] positions = new long[n][t];
        int[][] mask = new int[n][t];
        long[] targets = new long[n * width];
        for (int r = 0; r < n; r++) {
            long[] prompt = prompts.get(r).ids();
            int[] completion = completions.get(r);
            int offset = promptLen - prompt.length;
            Arrays.fill(ids[r], padId);
            long pos = 0;
            for (int j = 0; j < prompt.length; j++) {
                ids[r][offset + j] = prompt[j];
                mask[r][offset + j] = 1;
                positions[r][offset + j] = pos++;
            }
            for (int j = 0; j < completion.length; j++) {
                ids[r][promptLen + j] = completion[j];
                mask[r][promptLen + j] = 1;
                positions[r][promptLen + j] = pos++;
                targets[r * width + j] = completion[j];
            }
        }
        Tensor logits = model.forward(p, f, ids, positions, mask, imageFeatures(p, f, prompts), null);
        return scoreTokens(f, logits.slice(1, promptLen - 1, promptLen - 1 + width), targets, n, width);
    }

    /** Log-softmax of [N, C, V] logits read at the target ids, with the vision placeholders banned. */
    private Tensor scoreTokens(TensorFactory f, Tensor logits, long[] targets, int n, int width) {
        // The policy puts no mass on vision placeholders (sampling bans them), so scoring
        // renormalises over the same tokens and pi_old and pi_theta agree.
        float[] ban = new float[config.vocabSize()];
        for (int id : banned) {
            ban[id] = -1e9f;
        }
        return logits.add(f.constant(ban, 1, 1, config.vocabSize())).logSoftmax(-1)
                .gatherLast(f.indices(targets, n, width));
    }

    private static int width(List<Completion> completions) {
        return Math.max(1, completions.stream().mapToInt(Completion::length).max().orElse(1));
    }

    private static float[] padded(List<float[]> rows, int width) {
        float[] out = new float[rows.size() * width];
        for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(rows.get(r), 0, out, r * width, rows.get(r).length);
        }
        return out;
    }

    private List<float[]> logProbsUnder(Map<String, NDArray> weights, List<Prompt> prompts,
                                        List<Completion> completions) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            TensorFactory f = DjlTensor.factory(manager);
            int width = width(completions);
            List<int[]> ids = completions.stream().map(Completion::tokenIds).toList();
            double[] values = completionLogProbs(view(weights), f, prompts, ids, width).detach().toDoubleArray();
            List<float[]> out = new ArrayList<>();
            for (int r = 0; r < completions.size(); r++) {
                float[] row = new float[completions.get(r).length()];
                for (int j = 0; j < row.length; j++) {
                    row[j] = (float) values[r * width + j];
                }
                out.add(row);
            }
            return out;
        }
    }

    @Override
    public List<float[]> logProbs(List<Prompt> prompts, List<Completion> completions) {
        return logProbsUnder(params, prompts, completions);
    }

    @Override
    public List<float[]> referenceLogProbs(List<Prompt> prompts, List<Completion> completions) {
        return logProbsUnder(reference, prompts, completions);
    }

    // ---- sampling ----

    @Override
    public List<List<Completion>> sample(List<Prompt> prompts, SamplingParams params) {
        return sample(prompts, params, true);
    }

    /**
     * Samples; with {@code useCache} false every new token re-runs the whole sequence (the
     * conformance kit checks both give the same tokens).
     */
    List<List<Completion>> sample(List<Prompt> prompts, SamplingParams sampling, boolean useCache) {
        int g = sampling.groupSize();
        int n = prompts.size() * g;
        Random random = new Random(sampling.seed());
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            TensorFactory f = DjlTensor.factory(manager);
            Parameters p = view(this.params);
            List<Encoded> unique = prompts.stream().map(this::encode).toList();
            List<Encoded> rows = new ArrayList<>();
            unique.forEach(e -> {
                for (int i = 0; i < g; i++) {
                    rows.add(e);
                }
            });
            int promptLen = rows.stream().mapToInt(e -> e.ids().length).max().orElse(0);
            int maxLen = promptLen + sampling.maxNewTokens();
            long[][] ids = new long[n][maxLen];
            int[][] mask = new int[n][maxLen];
            long[] nextPos = new long[n];
            for (int r = 0; r < n; r++) {
                long[] prompt = rows.get(r).ids();
                int offset = promptLen - prompt.length;
                Arrays.fill(ids[r], padId);
                for (int j = 0; j < prompt.length; j++) {
                    ids[r][offset + j] = prompt[j];
                    mask[r][offset + j] = 1;
                }
                nextPos[r] = prompt.length;
            }
            KvCache cache = useCache ? new KvCache(config.numHiddenLayers()) : null;
            int vocab = config.vocabSize();
            List<List<Integer>> tokens = new ArrayList<>();
            List<List<Float>> logps = new ArrayList<>();
            boolean[] done = new boolean[n];
            for (int r = 0; r < n; r++) {
                tokens.add(new ArrayList<>());
                logps.add(new ArrayList<>());
            }
            int length = promptLen;
            Tensor features = null;
            Tensor logits = null;
            float[] sharedLast = null;
            if (useCache && g > 1) {
                // The group's G rows share one prompt: run it once and repeat its cache.
                int u = unique.size();
                long[][] uniqueIds = new long[u][];
                int[][] uniqueMask = new int[u][];
                int[] source = new int[n];
                for (int r = 0; r < n; r++) {
                    source[r] = r / g;
                }
                for (int i = 0; i < u; i++) {
                    uniqueIds[i] = ids[i * g];
                    uniqueMask[i] = mask[i * g];
                }
                KvCache shared = new KvCache(config.numHiddenLayers());
                float[] last = lastLogits(runPrefix(p, f, uniqueIds, uniqueMask, length, imageFeatures(p, f, unique),
                        shared, true));
                sharedLast = new float[n * vocab];
                for (int r = 0; r < n; r++) {
                    System.arraycopy(last, source[r] * vocab, sharedLast, r * vocab, vocab);
                }
                cache = shared.repeatRows(f, source);
            } else {
                features = imageFeatures(p, f, rows);
                logits = runPrefix(p, f, ids, mask, length, features, cache, useCache);
            }
            for (int step = 0; step < sampling.maxNewTokens(); step++) {
                float[] last = step == 0 && sharedLast != null ? sharedLast : lastLogits(logits);
                for (int r = 0; r < n; r++) {
                    TokenSampler.ban(last, r * vocab, banned);
                    int token;
                    if (done[r]) {
                        token = padId;
                    } else {
                        token = TokenSampler.sample(last, r * vocab, vocab, sampling.temperature(), sampling.topK(),
                                sampling.topP(), random);
                        double[] lp = TokenSampler.logSoftmax(last, r * vocab, vocab, 1.0);
                        tokens.get(r).add(token);
                        logps.get(r).add((float) lp[token]);
                        done[r] = token == eosId;
                    }
                    ids[r][length] = token;
                    mask[r][length] = 1;
                }
                length++;
                if (allDone(done) || step == sampling.maxNewTokens() - 1) {
                    break;
                }
                if (useCache) {
                    long[][] newIds = new long[n][1];
                    long[][] newPos = new long[n][1];
                    int[][] keyMask = new int[n][length];
                    for (int r = 0; r < n; r++) {
                        newIds[r][0] = ids[r][length - 1];
                        newPos[r][0] = nextPos[r]++;
                        System.arraycopy(mask[r], 0, keyMask[r], 0, length);
                    }
                    logits = model.forward(p, f, newIds, newPos, keyMask, null, cache);
                } else {
                    for (int r = 0; r < n; r++) {
                        nextPos[r]++;
                    }
                    logits = runPrefix(p, f, ids, mask, length, features, null, false);
                }
            }
            List<List<Completion>> out = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                List<Completion> group = new ArrayList<>();
                for (int j = 0; j < g; j++) {
                    int r = i * g + j;
                    int[] t = tokens.get(r).stream().mapToInt(Integer::intValue).toArray();
                    float[] lp = new float[t.length];
                    for (int k = 0; k < lp.length; k++) {
                        lp[k] = logps.get(r).get(k);
                    }
                    long[] asLong = Arrays.stream(t).asLongStream().toArray();
                    String text = tokenizer.decode(asLong, true).trim();
                    group.add(new Completion(prompts.get(i).id(), j, text, t, lp, done[r]));
                }
                out.add(group);
            }
            return out;
        }
    }

    private static boolean allDone(boolean[] done) {
        for (boolean d : done) {
            if (!d) {
                return false;
            }
        }
        return true;
    }

    /** Forward over the first {@code length} columns (left-padded prompt plus tokens so far). */
    private Tensor runPrefix(Parameters p, TensorFactory f, long[][] ids, int[][] mask, int length, Tensor features,
                             KvCache cache, boolean useCache) {
        int n = ids.length;
        long[][] prefix = new long[n][length];
        long[][] positions = new long[n][length];
        int[][] keyMask = new int[n][length];
        for (int r = 0; r < n; r++) {
            long pos = 0;
            for (int j = 0; j < length; j++) {
                prefix[r][j] = ids[r][j];
                keyMask[r][j] = mask[r][j];
                positions[r][j] = mask[r][j] == 1 ? pos++ : 0;
            }
        }
        return model.forward(p, f, prefix, positions, keyMask, features, useCache ? cache : null);
    }

    /** The last position's logits of every row, as floats [N * vocab]. */
    private static float[] lastLogits(Tensor logits) {
        long[] shape = logits.shape();
        NDArray last = ((DjlTensor) logits.slice(1, shape[1] - 1, shape[1])).array;
        return last.toFloatArray();
    }

    // ---- training ----

    @Override
    public Completion encodeTarget(String promptId, String text) {
        long[] ids = tokenizer.encode(text + " <|im_end|>", false, false).getIds();
        int[] tokens = Arrays.stream(ids).mapToInt(v -> (int) v).toArray();
        return new Completion(promptId, 0, text, tokens, new float[tokens.length], true);
    }

    @Override
    public StepResult step(TrainingBatch batch, PolicyLoss loss, OptimizerSettings optimizer, long step) {
        List<Completion> completions = batch.completions();
        int n = completions.size();
        int width = width(completions);
        float[] maskValues = new float[n * width];
        for (int r = 0; r < n; r++) {
            Arrays.fill(maskValues, r * width, r * width + completions.get(r).length(), 1f);
        }
        Map<String, Double> extra = new LinkedHashMap<>();
        double lossValue;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            TensorFactory f = DjlTensor.factory(manager);
            List<int[]> ids = completions.stream().map(Completion::tokenIds).toList();
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                Tensor logp = completionLogProbs(view(params), f, batch.prompts(), ids, width);
                Tensor mask = f.constant(maskValues, n, width);
                Tensor lossTensor;
                if (loss instanceof PolicyLoss.Grpo grpo) {
                    Tensor old = batch.oldLogProbs().isEmpty() ? logp.detach()
                            : f.constant(padded(batch.oldLogProbs(), width), n, width);
                    Tensor ref = batch.referenceLogProbs().isEmpty() ? null
                            : f.constant(padded(batch.referenceLogProbs(), width), n, width);
                    Tensor adv = f.constant(batch.advantages(), n, 1);
                    GrpoLoss.Terms terms = GrpoLoss.compute(grpo, logp, old, ref, adv, mask);
                    lossTensor = terms.loss();
                    extra.put(StepStats.KEYS.KL, terms.klMean().toScalar());
                    extra.put(StepStats.KEYS.CLIP_LOW, terms.clipLowFraction().toScalar());
                    extra.put(StepStats.KEYS.CLIP_HIGH, terms.clipHighFraction().toScalar());
                } else {
                    // SFT: mean cross-entropy of the target tokens
                    lossTensor = logp.mul(mask).sum().div(mask.sum()).neg();
                }
                lossValue = lossTensor.toScalar();
                collector.backward(((DjlTensor) lossTensor).array);
            }
            double gradNorm = applyAdamW(optimizer, step);
            return new StepResult(lossValue, gradNorm, extra);
        }
    }

    /** Clips the global gradient norm, then one decoupled-weight-decay Adam update; returns the norm before clipping. */
    private double applyAdamW(OptimizerSettings o, long step) {
        Map<String, NDArray> grads = new LinkedHashMap<>();
        double squares = 0;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray g = gradient(e.getKey(), e.getValue());
            if (g != null) { // null: the parameter took no part in this step (PyTorch optimisers skip it too)
                grads.put(e.getKey(), g);
                squares += g.square().sum().getFloat();
            }
        }
        double norm = Math.sqrt(squares);
        double scale = o.maxGradNorm() > 0 && norm > o.maxGradNorm() ? o.maxGradNorm() / (norm + 1e-6) : 1.0;
        adamSteps++;
        double lr = o.learningRateAt(step);
        double bias1 = 1 - Math.pow(o.beta1(), adamSteps);
        double bias2 = 1 - Math.pow(o.beta2(), adamSteps);
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            String name = e.getKey();
            NDArray p = e.getValue();
            if (!grads.containsKey(name)) {
                continue;
            }
            NDArray g = grads.get(name).mul(scale);
            NDArray m = adamM.computeIfAbsent(name, k -> {
                NDArray z = manager.zeros(p.getShape());
                NDScope.unregister(z);
                return z;
            });
            NDArray v = adamV.computeIfAbsent(name, k -> {
                NDArray z = manager.zeros(p.getShape());
                NDScope.unregister(z);
                return z;
            });
            m.muli(o.beta1()).addi(g.mul(1 - o.beta1()));
            v.muli(o.beta2()).addi(g.square().mul(1 - o.beta2()));
            NDArray update = m.div(bias1).div(v.div(bias2).sqrt().add(o.epsilon()));
            if (o.weightDecay() > 0) {
                p.muli(1 - lr * o.weightDecay());
            }
            p.subi(update.mul(lr));
            grads.get(name).muli(0); // backward accumulates into .grad: reset it in place
        }
        return norm;
    }

    /**
     * The parameter's gradient buffer, fetched once and kept. DJL's wrapper of {@code .grad}
     * aliases the tensor the parameter owns: closing it (as an NDScope would) frees memory
     * that later backward passes write into. So the wrapper is taken out of every scope and
     * manager and never closed; the parameter frees the buffer itself.
     *
     * @return the gradient, or null while the parameter has none (it took no part yet)
     */
    private NDArray gradient(String name, NDArray parameter) {
        NDArray g = gradients.get(name);
        if (g == null) {
            g = ai.djl.pytorch.jni.JniUtils.getGradient((ai.djl.pytorch.engine.PtNDArray) parameter);
            if (g == null) {
                return null;
            }
            NDScope.unregister(g);
            g.detach();
            gradients.put(name, g);
        }
        return g;
    }


    // ---- saving ----

    @Override
    public void save(Path dir, boolean withOptimizerState) throws IOException {
        Path staging = Checkpoints.staging(dir);
        config.write(staging.resolve(Checkpoints.CONFIG));
        Files.copy(tokenizerFile, staging.resolve(Checkpoints.TOKENIZER));
        SafeTensors.write(staging.resolve(Checkpoints.WEIGHTS), entries(params, ""));
        if (withOptimizerState && !adamM.isEmpty()) {
            Map<String, SafeTensors.Entry> moments = new LinkedHashMap<>(entries(adamM, "m."));
            moments.putAll(entries(adamV, "v."));
            SafeTensors.write(staging.resolve(Checkpoints.OPTIMIZER), moments);
            Files.writeString(staging.resolve(Checkpoints.OPTIMIZER_STATE), "{\"step\": " + adamSteps + "}\n",
                    StandardCharsets.UTF_8);
        }
        Checkpoints.commit(staging, dir);
    }

    private static Map<String, SafeTensors.Entry> entries(Map<String, NDArray> arrays, String prefix) {
        Map<String, SafeTensors.Entry> out = new LinkedHashMap<>();
        arrays.forEach((name, a) -> out.put(prefix + name, new SafeTensors.Entry(a.getShape().getShape(),
                a.toFloatArray())));
        return out;
    }

    @Override
    public long parameterCount() {
        return params.values().stream().mapToLong(a -> a.getShape().size()).sum();
    }

    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }
}
