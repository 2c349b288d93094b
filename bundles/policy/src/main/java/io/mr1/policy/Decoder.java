package io.mr1.policy;

import io.mr1.api.backend.SamplingParams;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import io.mr1.models.KvCache;
import io.mr1.models.ModelConfig;
import io.mr1.models.SpecialTokens;
import io.mr1.tensor.Parameters;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Autoregressive decoding: G completions per prompt, one token per step for every row, with
 * a KV cache (a group's prompt prefilled once and its cache repeated per row). The draw is
 * the engine's ({@link TensorEngine#drawTokens}: on the device where it can, else
 * {@link TokenSampler} on the host) at uniform numbers from a seeded Java stream, so a seed
 * gives the same tokens on every engine that computes the same logits. Each token's log-prob
 * is recorded at temperature 1 (pi_old for the GRPO ratio).
 */
final class Decoder {

    private final SequenceScorer scorer;
    private final TextTokenizer tokenizer;
    private final ModelConfig config;
    private final SpecialTokens special;
    private final int padId;
    private final TensorEngine engine;

    Decoder(TensorEngine engine, SequenceScorer scorer, TextTokenizer tokenizer, SpecialTokens special) {
        this.engine = engine;
        this.scorer = scorer;
        this.tokenizer = tokenizer;
        this.config = scorer.model().config();
        this.special = special;
        this.padId = special.padId();
    }

    /**
     * Samples; with {@code useCache} false every new token re-runs the whole sequence (the
     * conformance kit checks both give the same tokens).
     */
    List<List<Completion>> sample(Parameters p, TensorFactory f, List<Prompt> prompts, SamplingParams sampling,
                                  boolean useCache) {
        int g = sampling.groupSize();
        int n = prompts.size() * g;
        Random random = new Random(sampling.seed());
        int[] banned = scorer.banned();
        List<PromptEncoder.Encoded> unique = prompts.stream().map(scorer.encoder()::encode).toList();
        List<PromptEncoder.Encoded> rows = new ArrayList<>();
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
            nextPos[r] = rows.get(r).positions().next();
        }
        // Decoding runs outside autograd and knows its final length: the cache is preallocated.
        KvCache[] cache = {useCache ? new KvCache(config.numHiddenLayers(), maxLen) : null};
        List<List<Integer>> tokens = new ArrayList<>();
        List<List<Float>> logps = new ArrayList<>();
        boolean[] done = new boolean[n];
        for (int r = 0; r < n; r++) {
            tokens.add(new ArrayList<>());
            logps.add(new ArrayList<>());
        }
        int length = promptLen;
        // Every pass runs in a block scope of its own that keeps only the KV cache: the logits and
        // everything else a step makes are released when its tokens are drawn, not when sampling ends.
        TokenDraw[] draw = new TokenDraw[1];
        Tensor features = null;
        if (useCache && g > 1) {
            // The group's G rows share one prompt: run it once and repeat its cache.
            int u = unique.size();
            long[][] uniqueIds = new long[u][];
            int[][] uniqueMask = new int[u][];
            int[] source = new int[n];
            long[] rowsOf = new long[n];
            for (int r = 0; r < n; r++) {
                source[r] = r / g;
                rowsOf[r] = source[r];
            }
            for (int i = 0; i < u; i++) {
                uniqueIds[i] = ids[i * g];
                uniqueMask[i] = mask[i * g];
            }
            int prefix = length;
            Tensor[] kept = f.keepOnly(() -> {
                KvCache shared = new KvCache(config.numHiddenLayers());
                Tensor hidden = scorer.runPrefix(p, f, uniqueIds, uniqueMask, prefix,
                        scorer.imageFeatures(p, f, unique), shared, unique);
                draw[0] = draw(lastLogits(p, hidden).rows(f.indices(rowsOf, n)), sampling, banned, done, random);
                cache[0] = shared.repeatRows(f, source, maxLen);
                return cache[0].tensors();
            });
            cache[0].replaceTensors(kept);
        } else {
            features = scorer.imageFeatures(p, f, rows);
            Tensor image = features;
            int prefix = length;
            keepingCache(f, cache[0], () -> draw[0] = draw(lastLogits(p, scorer.runPrefix(p, f, ids, mask, prefix,
                    image, cache[0], rows)), sampling, banned, done, random));
        }
        for (int step = 0; step < sampling.maxNewTokens(); step++) {
            for (int r = 0; r < n; r++) {
                int token;
                if (done[r]) {
                    token = padId;
                } else {
                    token = draw[0].tokens()[r];
                    tokens.get(r).add(token);
                    logps.get(r).add(draw[0].logProbs()[r]);
                    done[r] = special.isEos(token);
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
                long[][][] newPos = new long[n][3][1];
                int[][] keyMask = new int[n][length];
                for (int r = 0; r < n; r++) {
                    newIds[r][0] = ids[r][length - 1];
                    // transformers: cache length + rope_delta on all three axes, per row without padding.
                    long position = nextPos[r]++;
                    newPos[r] = new long[][] {{position}, {position}, {position}};
                    System.arraycopy(mask[r], 0, keyMask[r], 0, length);
                }
                keepingCache(f, cache[0], () -> draw[0] = draw(lastLogits(p, scorer.model().hiddenStates(p, f, newIds,
                        newPos, keyMask, null, cache[0])), sampling, banned, done, random));
            } else {
                for (int r = 0; r < n; r++) {
                    nextPos[r]++;
                }
                Tensor image = features;
                int sofar = length;
                keepingCache(f, null, () -> draw[0] = draw(lastLogits(p, scorer.runPrefix(p, f, ids, mask, sofar,
                        image, null, rows)), sampling, banned, done, random));
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
                String text = tokenizer.decode(asLong).trim();
                group.add(new Completion(prompts.get(i).id(), j, text, t, lp, done[r]));
            }
            out.add(group);
        }
        return out;
    }

    /**
     * The next token of every row from [B, V] logits: one uniform number per live row, in row
     * order (the stream the host sampler always used), then the engine's draw.
     */
    private TokenDraw draw(Tensor last, SamplingParams sampling, int[] banned, boolean[] done, Random random) {
        double[] uniforms = new double[done.length];
        for (int r = 0; r < done.length; r++) {
            uniforms[r] = done[r] || sampling.temperature() == 0 ? 0 : random.nextDouble();
        }
        return engine.drawTokens(last, banned, sampling.temperature(), sampling.topK(), sampling.topP(), uniforms);
    }

    /**
     * Logits [B, V] of the last position of hidden states [B, T, H]: the head runs on that
     * position only (transformers' logits_to_keep = 1), not on the whole prompt.
     */
    private Tensor lastLogits(Parameters p, Tensor hidden) {
        long[] shape = hidden.shape();
        return scorer.model().logits(p, hidden.slice(1, shape[1] - 1, shape[1]).reshape(shape[0], shape[2]), null);
    }

    /** Runs one pass in a block scope that keeps only the cache's tensors (all of them, with none). */
    private static void keepingCache(TensorFactory f, KvCache cache, Runnable pass) {
        Tensor[] kept = f.keepOnly(() -> {
            pass.run();
            return cache == null ? new Tensor[0] : cache.tensors();
        });
        if (cache != null) {
            cache.replaceTensors(kept);
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
}
