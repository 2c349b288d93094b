package io.mr1.backend.tensorflow;

import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import io.mr1.models.Checkpoints;
import io.mr1.models.ImageProcessorConfig;
import io.mr1.models.ModelConfig;
import io.mr1.models.WordLevelTokenizerJson;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The benchmark's models and GRPO-D batch for the on-request measurements of this module
 * ({@link StepTimeComparisonTest}, {@link TfMemoryReportTest}): a random model folder of a
 * named size and 2 prompts of 15 words, G = 8, 64-token completions, seeded advantages.
 */
record BenchmarkBatch(List<Prompt> rows, List<Completion> completions, double[] advantages) {

    /** The benchmark's GRPO-D loss (beta 0.04, clip 0.2, k3 KL, token mean, 64 tokens). */
    static final PolicyLoss.Grpo LOSS = new PolicyLoss.Grpo(0.04, 0.2, 0.2, PolicyLoss.KlEstimator.K3,
            PolicyLoss.Aggregation.TOKEN_MEAN, 64);
    /** The benchmark's AdamW settings. */
    static final OptimizerSettings ADAM = new OptimizerSettings(1e-5, 0.01, 0.9, 0.999, 1e-8, 1.0, 0,
            100_000, OptimizerSettings.Decay.CONSTANT);

    /** Writes a random model folder: "tiny" (the tests' size), "30m" (the benchmark's) or "100m". */
    static Path model(String size, Path dir) throws IOException {
        int vocabularySize = vocabularySize(size);
        Map<String, Integer> vocab = vocabulary(vocabularySize);
        ModelConfig tiny = ModelConfig.tiny(vocab);
        ModelConfig config = switch (size) {
            case "tiny" -> tiny;
            case "30m" -> tiny.withDecoder(512, 1376, 8, 8, 4)
                    .withVision(new ModelConfig.VisionConfig(2, 128, 4, 2, 14, 2, 2, 3));
            case "100m" -> tiny.withDecoder(1024, 2816, 8, 16, 4)
                    .withVision(new ModelConfig.VisionConfig(2, 128, 4, 2, 14, 2, 2, 3));
            default -> throw new IllegalArgumentException("unknown size " + size);
        };
        Path model = dir.resolve(size);
        Checkpoints.createRandom(model, config, ImageProcessorConfig.of(config.visionConfig(),
                ImageProcessorConfig.DEFAULT_MIN_PIXELS, ImageProcessorConfig.DEFAULT_MAX_PIXELS), vocab, 3);
        return model;
    }

    static int vocabularySize(String size) {
        return size.equals("tiny") ? 2000 + WordLevelTokenizerJson.SPECIAL.size() : 8000;
    }

    private static Map<String, Integer> vocabulary(int size) {
        List<String> words = new ArrayList<>(List.of("user", "assistant"));
        for (int i = 0; words.size() + WordLevelTokenizerJson.SPECIAL.size() < size; i++) {
            words.add("w" + i);
        }
        return WordLevelTokenizerJson.vocabulary(words);
    }

    /** The batch for a model of the given size's vocabulary. */
    static BenchmarkBatch of(String size) {
        int vocabularySize = vocabularySize(size);
        Random random = new Random(11);
        int first = WordLevelTokenizerJson.SPECIAL.size();
        List<Prompt> rows = new ArrayList<>();
        List<Completion> completions = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            StringBuilder text = new StringBuilder();
            for (int w = 0; w < 15; w++) {
                text.append(w == 0 ? "" : " ").append('w').append(random.nextInt(vocabularySize - first - 2));
            }
            Prompt prompt = Prompt.text("p" + p, text.toString());
            for (int j = 0; j < 8; j++) {
                int[] tokens = new int[64];
                for (int k = 0; k < tokens.length; k++) {
                    tokens[k] = first + random.nextInt(vocabularySize - first);
                }
                rows.add(prompt);
                completions.add(new Completion(prompt.id(), j, "", tokens, new float[tokens.length], false));
            }
        }
        double[] advantages = new double[rows.size()];
        for (int r = 0; r < advantages.length; r++) {
            advantages[r] = random.nextGaussian();
        }
        return new BenchmarkBatch(rows, completions, advantages);
    }
}
