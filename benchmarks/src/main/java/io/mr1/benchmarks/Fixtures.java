package io.mr1.benchmarks;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import io.mr1.models.ChatTemplate;
import io.mr1.models.Checkpoints;
import io.mr1.models.ImageProcessorConfig;
import io.mr1.models.ModelConfig;
import io.mr1.models.ParamSpec;
import io.mr1.models.Qwen2VlModel;
import io.mr1.models.WordLevelTokenizerJson;
import io.mr1.objective.Advantages;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * The models, prompts and batches the benchmark runs on: seeded random checkpoints with a
 * generated word-level vocabulary, text-only prompts and synthetic GRPO batches, so every
 * run measures the same work without any download.
 */
public final class Fixtures {

    private Fixtures() {
    }

    /**
     * A model size to benchmark.
     *
     * @param name short name used in the report
     * @param vocabularySize tokens in the generated vocabulary (special tokens included)
     * @param config the config for a vocabulary
     */
    public record ModelSpec(String name, int vocabularySize, Function<Map<String, Integer>, ModelConfig> config) {
    }

    /** The default tiny config ({@code ModelConfig.tiny}) on a 2000-word vocabulary, about 1.3 M parameters. */
    public static final ModelSpec TINY = new ModelSpec("tiny", 2000 + WordLevelTokenizerJson.SPECIAL.size(),
            ModelConfig::tiny);

    /** About 30 M parameters: hidden 512, 8 layers, 8 query and 4 key/value heads, vocabulary 8000. */
    public static final ModelSpec MEDIUM = new ModelSpec("30m", 8000,
            v -> ModelConfig.tiny(v).withDecoder(512, 1376, 8, 8, 4)
                    .withVision(new ModelConfig.VisionConfig(2, 128, 4, 2, 14, 2, 2, 3)));

    /** A very small model for the harness's own smoke test. */
    public static final ModelSpec MICRO = new ModelSpec("micro", 64,
            v -> ModelConfig.tiny(v).withDecoder(32, 64, 2, 4, 2)
                    .withVision(new ModelConfig.VisionConfig(1, 16, 2, 2, 4, 2, 2, 3)));

    /**
     * Finds a spec by name.
     *
     * @param name tiny, 30m or micro
     * @return the spec
     */
    public static ModelSpec spec(String name) {
        return switch (name) {
            case "tiny" -> TINY;
            case "30m" -> MEDIUM;
            case "micro" -> MICRO;
            default -> throw new IllegalArgumentException("unknown model '" + name + "'; valid: tiny, 30m, micro");
        };
    }

    /**
     * The vocabulary: the special tokens, the chat roles, then w0, w1, ... up to the size.
     *
     * @param size total tokens
     * @return token to id
     */
    public static Map<String, Integer> vocabulary(int size) {
        List<String> words = new ArrayList<>(List.of("user", "assistant"));
        int specials = WordLevelTokenizerJson.SPECIAL.size();
        for (int i = 0; words.size() + specials < size; i++) {
            words.add("w" + i);
        }
        return WordLevelTokenizerJson.vocabulary(words);
    }

    /**
     * A created model folder with its config.
     *
     * @param dir the folder
     * @param config the config
     */
    public record Model(Path dir, ModelConfig config) {

        /** @return parameters of the whole model (decoder and vision encoder) */
        public long parameterCount() {
            return new Qwen2VlModel(config).parameters().values().stream().mapToLong(ParamSpec::size).sum();
        }

        /** @return parameters a text-only forward uses (the decoder, tied head counted once) */
        public long decoderParameterCount() {
            return new Qwen2VlModel(config).parameters().entrySet().stream()
                    .filter(e -> !e.getKey().startsWith("visual.")).mapToLong(e -> e.getValue().size()).sum();
        }
    }

    /**
     * The tokens a completion never contains, which mr1's policy bans in sampling and
     * renormalises away in scoring: the vision markers and the image placeholder.
     *
     * @param config the model's config
     * @return their ids in the generated vocabulary
     */
    public static int[] bannedTokens(ModelConfig config) {
        List<String> specials = WordLevelTokenizerJson.SPECIAL;
        return java.util.stream.IntStream.of(specials.indexOf("<|vision_start|>"), specials.indexOf("<|image_pad|>"),
                specials.indexOf("<|vision_end|>"), config.imageTokenId()).distinct().sorted().toArray();
    }

    /**
     * Writes a seeded random checkpoint.
     *
     * @param dir the folder
     * @param spec the size
     * @param seed weight seed
     * @return the model
     * @throws IOException if writing fails
     */
    public static Model create(Path dir, ModelSpec spec, long seed) throws IOException {
        Map<String, Integer> vocab = vocabulary(spec.vocabularySize());
        ModelConfig config = spec.config().apply(vocab);
        // Benchmark prompts are text only; the image processor settings are Qwen2-VL's defaults.
        Checkpoints.createRandom(dir, config, ImageProcessorConfig.of(config.visionConfig(),
                ImageProcessorConfig.DEFAULT_MIN_PIXELS, ImageProcessorConfig.DEFAULT_MAX_PIXELS), vocab, seed);
        return new Model(dir, config);
    }

    /**
     * Text-only prompts of random vocabulary words; with the chat template each is
     * {@code words + 5} tokens.
     *
     * @param count number of prompts
     * @param words words per prompt
     * @param vocabularySize the vocabulary the words come from
     * @param seed word seed
     * @return the prompts
     */
    public static List<Prompt> prompts(int count, int words, int vocabularySize, long seed) {
        Random random = new Random(seed);
        int available = vocabularySize - WordLevelTokenizerJson.SPECIAL.size() - 2;
        List<Prompt> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder text = new StringBuilder();
            for (int w = 0; w < words; w++) {
                text.append(w == 0 ? "" : " ").append('w').append(random.nextInt(available));
            }
            out.add(Prompt.text("p" + i, text.toString()));
        }
        return out;
    }

    /**
     * A GRPO batch: each prompt repeated G times with a completion of random non-special
     * tokens and a group-normalised advantage of a random reward.
     *
     * @param prompts the distinct prompts
     * @param group completions per prompt (G)
     * @param length tokens per completion
     * @param vocabularySize vocabulary size
     * @param seed token and reward seed
     * @return per-completion prompts, completions and advantages
     */
    public static GrpoBatch batch(List<Prompt> prompts, int group, int length, int vocabularySize, long seed) {
        Random random = new Random(seed);
        int first = WordLevelTokenizerJson.SPECIAL.size();
        List<Prompt> rowPrompts = new ArrayList<>();
        List<Completion> completions = new ArrayList<>();
        double[] advantages = new double[prompts.size() * group];
        for (int i = 0; i < prompts.size(); i++) {
            double[] rewards = new double[group];
            for (int j = 0; j < group; j++) {
                int[] tokens = new int[length];
                for (int k = 0; k < length; k++) {
                    tokens[k] = first + random.nextInt(vocabularySize - first);
                }
                rowPrompts.add(prompts.get(i));
                completions.add(new Completion(prompts.get(i).id(), j, "", tokens, new float[length], false));
                rewards[j] = random.nextDouble();
            }
            System.arraycopy(Advantages.group(rewards, true, Advantages.DEFAULT_EPS), 0, advantages, i * group, group);
        }
        return new GrpoBatch(rowPrompts, completions, advantages);
    }

    /**
     * A synthetic GRPO batch.
     *
     * @param prompts the prompt of each completion
     * @param completions the completions
     * @param advantages one per completion
     */
    public record GrpoBatch(List<Prompt> prompts, List<Completion> completions, double[] advantages) {
    }

    /**
     * Tokenises prompts exactly as the PyTorch policy does (chat template, no special-token
     * post-processing), for the plain path.
     *
     * @param model the model folder (its tokenizer.json is used)
     * @param prompts the prompts
     * @return ids per prompt
     * @throws IOException if the tokenizer cannot be read
     */
    public static List<long[]> tokenize(Model model, List<Prompt> prompts) throws IOException {
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(
                model.dir().resolve(Checkpoints.TOKENIZER), Map.of("addSpecialTokens", "false"))) {
            List<long[]> out = new ArrayList<>();
            for (Prompt p : prompts) {
                out.add(tokenizer.encode(ChatTemplate.render(p.text(), List.of()), false, false).getIds());
            }
            return out;
        }
    }
}
