package io.mr1.models;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Qwen2-VL model's sizes as Hugging Face's {@code config.json} gives them. Read from the
 * hub's flat layout (text keys at the top level, {@code vision_config} nested, as
 * Qwen2-VL-2B/7B-Instruct ship) or the nested layout newer {@code save_pretrained} writes
 * ({@code text_config} and {@code vision_config}); written flat, with {@code model_type}
 * {@code qwen2_vl}, so transformers and vLLM open what mr1 saves. Keys mr1 does not use are
 * accepted and listed in {@link #ignoredKeys}.
 *
 * @param modelType {@code model_type}, always {@code qwen2_vl}
 * @param vocabSize tokens in the vocabulary
 * @param hiddenSize decoder width H
 * @param intermediateSize SwiGLU inner width
 * @param numHiddenLayers decoder layers
 * @param numAttentionHeads query heads
 * @param numKeyValueHeads key/value heads (grouped-query attention; divides the query heads)
 * @param rmsNormEps RMSNorm epsilon
 * @param ropeTheta rotary base
 * @param maxPositionEmbeddings longest sequence
 * @param tieWordEmbeddings the output head reuses the embedding matrix (else {@code lm_head.weight})
 * @param mropeSection M-RoPE: how many of the head's head_dim/2 rotary frequencies follow the
 *     temporal, height and width position (sums to head_dim/2)
 * @param imageTokenId id of the placeholder token that vision features replace
 * @param visionStartTokenId {@code <|vision_start|>}
 * @param visionEndTokenId {@code <|vision_end|>}
 * @param eosTokenId end-of-sequence id
 * @param padTokenId padding id
 * @param visionConfig the vision encoder
 * @param ignoredKeys keys of the file mr1 does not use (nested ones prefixed by their object)
 */
public record ModelConfig(String modelType, int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                          int numAttentionHeads, int numKeyValueHeads, double rmsNormEps, double ropeTheta,
                          int maxPositionEmbeddings, boolean tieWordEmbeddings, List<Integer> mropeSection,
                          int imageTokenId, int visionStartTokenId, int visionEndTokenId, int eosTokenId,
                          int padTokenId, VisionConfig visionConfig, List<String> ignoredKeys) {

    /** The only architecture mr1 runs. */
    public static final String MODEL_TYPE = "qwen2_vl";

    /**
     * The vision encoder's sizes ({@code vision_config}).
     *
     * @param depth transformer blocks
     * @param embedDim width E
     * @param numHeads attention heads
     * @param mlpRatio MLP width / E
     * @param patchSize square patch side in pixels
     * @param temporalPatchSize frames per patch (an image is one frame repeated)
     * @param spatialMergeSize side of the square of patches merged into one language token (2)
     * @param inChannels colour channels (3)
     */
    public record VisionConfig(int depth, int embedDim, int numHeads, int mlpRatio, int patchSize,
                               int temporalPatchSize, int spatialMergeSize, int inChannels) {

        /** @return values in one patch row: channels x temporal x patch x patch (1176 for Qwen2-VL) */
        public int patchValues() {
            return inChannels * temporalPatchSize * patchSize * patchSize;
        }

        /** @return patches merged into one language token */
        public int mergeWindow() {
            return spatialMergeSize * spatialMergeSize;
        }

        /** @return attention head width */
        public int headDim() {
            return embedDim / numHeads;
        }
    }

    /** Validates consistency and freezes the lists. */
    public ModelConfig {
        mropeSection = List.copyOf(mropeSection);
        ignoredKeys = List.copyOf(ignoredKeys);
        require(MODEL_TYPE.equals(modelType), "model_type " + modelType + " is not supported (mr1 runs "
                + MODEL_TYPE + ")");
        require(hiddenSize % numAttentionHeads == 0, "hidden_size must be divisible by num_attention_heads");
        require(numAttentionHeads % numKeyValueHeads == 0, "num_attention_heads must be divisible by num_key_value_heads");
        require((hiddenSize / numAttentionHeads) % 2 == 0, "head dimension must be even (rotary)");
        require(mropeSection.size() == 3 && mropeSection.stream().mapToInt(Integer::intValue).sum()
                == hiddenSize / numAttentionHeads / 2, "rope_scaling.mrope_section " + mropeSection
                + " must be three numbers summing to head_dim / 2 = " + hiddenSize / numAttentionHeads / 2);
        for (int id : new int[] {imageTokenId, eosTokenId, padTokenId}) {
            require(id >= 0 && id < vocabSize, "token id " + id + " out of the vocabulary (" + vocabSize + ")");
        }
        if (visionConfig != null) {
            require(visionConfig.embedDim() % visionConfig.numHeads() == 0,
                    "vision_config.embed_dim must be divisible by vision_config.num_heads");
            require(visionConfig.headDim() % 4 == 0, "vision head dimension must be a multiple of 4 (2-D rotary)");
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid model config: " + message);
        }
    }

    /** @return decoder head dimension */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /**
     * The standard M-RoPE split of head_dim/2 frequencies: a quarter temporal, the rest shared by
     * height and width (Qwen2-VL's [16, 24, 24] for head_dim 128).
     *
     * @param headDim decoder head dimension
     * @return the three section sizes
     */
    public static List<Integer> defaultMropeSection(int headDim) {
        int half = headDim / 2;
        int t = Math.max(1, half / 4);
        int h = (half - t) / 2;
        return List.of(t, h, half - t - h);
    }

    // ---- reading ----

    private static final Set<String> TEXT_KEYS = Set.of("model_type", "vocab_size", "hidden_size", "intermediate_size",
            "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "rms_norm_eps", "rope_theta",
            "max_position_embeddings", "tie_word_embeddings", "rope_scaling", "rope_parameters", "image_token_id",
            "vision_start_token_id", "vision_end_token_id", "eos_token_id", "pad_token_id", "vision_config",
            "text_config");
    private static final Set<String> VISION_KEYS = Set.of("depth", "embed_dim", "num_heads", "mlp_ratio",
            "patch_size", "temporal_patch_size", "spatial_merge_size", "in_chans", "in_channels", "hidden_size");

    /**
     * Reads {@code config.json} in the flat or nested layout.
     *
     * @param file the file
     * @return the config
     * @throws IOException if unreadable, a required key is missing or a value is invalid (the
     *     message names the file and key)
     */
    public static ModelConfig read(Path file) throws IOException {
        JsonObject root;
        try {
            root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IOException(file + ": not a JSON object: " + e.getMessage(), e);
        }
        try {
            return parse(root);
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static ModelConfig parse(JsonObject root) {
        List<String> ignored = new ArrayList<>();
        JsonObject text = root.has("text_config") ? root.getAsJsonObject("text_config") : root;
        Keys top = new Keys(root, "");
        Keys t = text == root ? top : new Keys(text, "text_config.");
        String modelType = top.string("model_type", null);
        if (modelType == null) {
            throw new IllegalArgumentException("missing key model_type");
        }
        if (!MODEL_TYPE.equals(modelType)) {
            throw new IllegalArgumentException("model_type " + modelType + " is not supported (mr1 runs "
                    + MODEL_TYPE + ")");
        }
        int hidden = t.integer("hidden_size");
        int heads = t.integer("num_attention_heads");
        JsonObject rope = text.has("rope_scaling") && text.get("rope_scaling").isJsonObject()
                ? text.getAsJsonObject("rope_scaling")
                : text.has("rope_parameters") && text.get("rope_parameters").isJsonObject()
                ? text.getAsJsonObject("rope_parameters") : null;
        List<Integer> section;
        if (rope != null && rope.has("mrope_section")) {
            section = new ArrayList<>();
            for (JsonElement e : rope.getAsJsonArray("mrope_section")) {
                section.add(e.getAsInt());
            }
        } else {
            section = defaultMropeSection(hidden / heads);
        }
        double theta = text.has("rope_theta") ? t.number("rope_theta")
                : rope != null && rope.has("rope_theta") ? rope.get("rope_theta").getAsDouble() : 1_000_000.0;
        int eos = top.firstInteger("eos_token_id", t.firstInteger("eos_token_id", -1));
        if (eos < 0) {
            throw new IllegalArgumentException("missing key eos_token_id");
        }
        VisionConfig vision = null;
        if (root.has("vision_config")) {
            Keys v = new Keys(root.getAsJsonObject("vision_config"), "vision_config.");
            int channels = v.has("in_chans") ? v.integer("in_chans") : v.has("in_channels") ? v.integer("in_channels") : 3;
            vision = new VisionConfig(v.integer("depth"), v.integer("embed_dim"), v.integer("num_heads"),
                    v.integer("mlp_ratio", 4), v.integer("patch_size", 14), v.integer("temporal_patch_size", 2),
                    v.integer("spatial_merge_size", 2), channels);
            if (v.has("hidden_size") && v.integer("hidden_size") != hidden) {
                throw new IllegalArgumentException("vision_config.hidden_size " + v.integer("hidden_size")
                        + " differs from the decoder's hidden_size " + hidden);
            }
            v.unknown(VISION_KEYS, ignored);
        }
        top.unknown(TEXT_KEYS, ignored);
        if (t != top) {
            t.unknown(TEXT_KEYS, ignored);
        }
        return new ModelConfig(modelType, t.integer("vocab_size"), hidden, t.integer("intermediate_size"),
                t.integer("num_hidden_layers"), heads, t.integer("num_key_value_heads", heads),
                t.number("rms_norm_eps", 1e-6), theta, t.integer("max_position_embeddings", 32768),
                top.bool("tie_word_embeddings", t.bool("tie_word_embeddings", false)), section,
                top.integer("image_token_id", t.integer("image_token_id", 151655)),
                top.integer("vision_start_token_id", t.integer("vision_start_token_id", 151652)),
                top.integer("vision_end_token_id", t.integer("vision_end_token_id", 151653)), eos,
                top.firstInteger("pad_token_id", t.firstInteger("pad_token_id", eos)), vision, ignored);
    }

    /** Typed reads from one JSON object, naming the key (with its prefix) when absent or invalid. */
    private record Keys(JsonObject json, String prefix) {

        boolean has(String key) {
            return json.has(key) && !json.get(key).isJsonNull();
        }

        JsonElement get(String key) {
            if (!has(key)) {
                throw new IllegalArgumentException("missing key " + prefix + key);
            }
            return json.get(key);
        }

        int integer(String key) {
            JsonElement e = get(key);
            try {
                double d = e.getAsDouble();
                if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
                    throw new NumberFormatException();
                }
                return (int) d;
            } catch (NumberFormatException | IllegalStateException | UnsupportedOperationException ex) {
                throw new IllegalArgumentException("key " + prefix + key + " must be an integer, got " + e);
            }
        }

        int integer(String key, int fallback) {
            return has(key) ? integer(key) : fallback;
        }

        /** An integer, or the first of a list (generation configs list several eos ids). */
        int firstInteger(String key, int fallback) {
            if (!has(key)) {
                return fallback;
            }
            JsonElement e = json.get(key);
            if (e.isJsonArray()) {
                JsonArray a = e.getAsJsonArray();
                if (a.isEmpty()) {
                    return fallback;
                }
                return new Keys(wrap(a.get(0)), prefix).integer("v");
            }
            return integer(key);
        }

        private static JsonObject wrap(JsonElement e) {
            JsonObject o = new JsonObject();
            o.add("v", e);
            return o;
        }

        double number(String key) {
            try {
                return get(key).getAsDouble();
            } catch (NumberFormatException | IllegalStateException | UnsupportedOperationException ex) {
                throw new IllegalArgumentException("key " + prefix + key + " must be a number, got " + json.get(key));
            }
        }

        double number(String key, double fallback) {
            return has(key) ? number(key) : fallback;
        }

        boolean bool(String key, boolean fallback) {
            if (!has(key)) {
                return fallback;
            }
            JsonElement e = json.get(key);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
                throw new IllegalArgumentException("key " + prefix + key + " must be true or false, got " + e);
            }
            return e.getAsBoolean();
        }

        String string(String key, String fallback) {
            return has(key) ? get(key).getAsString() : fallback;
        }

        void unknown(Set<String> known, List<String> out) {
            new TreeSet<>(json.keySet()).stream().filter(k -> !known.contains(k)).forEach(k -> out.add(prefix + k));
        }
    }

    // ---- writing ----

    /**
     * Writes this config in Hugging Face's flat layout with {@code torch_dtype} float32.
     *
     * @param file the config.json to write
     * @throws IOException if writing fails
     */
    public void write(Path file) throws IOException {
        write(file, "float32");
    }

    /** Safetensors dtype to transformers' {@code torch_dtype} name: the one table of both names. */
    private static final Map<String, String> TORCH_DTYPES = Map.of("F32", "float32", "BF16", "bfloat16",
            "F16", "float16");

    /**
     * transformers' name of a safetensors dtype, as {@code config.json}'s {@code torch_dtype} holds it.
     *
     * @param safetensorsDtype F32, BF16 or F16
     * @return float32, bfloat16 or float16
     * @throws IllegalArgumentException for another dtype
     */
    public static String torchDtype(String safetensorsDtype) {
        String name = TORCH_DTYPES.get(safetensorsDtype);
        if (name == null) {
            throw new IllegalArgumentException("dtype " + safetensorsDtype + " is not one of F32, BF16, F16");
        }
        return name;
    }

    /**
     * The safetensors dtype of a {@code torch_dtype} name.
     *
     * @param torchDtype float32, bfloat16 or float16
     * @return F32, BF16 or F16
     * @throws IllegalArgumentException for another name
     */
    public static String safetensorsDtype(String torchDtype) {
        return TORCH_DTYPES.entrySet().stream().filter(e -> e.getValue().equals(torchDtype)).map(Map.Entry::getKey)
                .findFirst().orElseThrow(() -> new IllegalArgumentException("torch_dtype " + torchDtype
                        + " is not one of bfloat16, float16, float32"));
    }

    /**
     * Writes {@code config.json} in the hub's flat layout.
     *
     * @param file the file
     * @param torchDtype the weights' dtype as transformers names it (float32, bfloat16, float16)
     * @throws IOException if writing fails
     */
    public void write(Path file, String torchDtype) throws IOException {
        JsonObject o = new JsonObject();
        JsonArray arch = new JsonArray();
        arch.add("Qwen2VLForConditionalGeneration");
        o.add("architectures", arch);
        o.addProperty("model_type", modelType);
        o.addProperty("torch_dtype", torchDtype);
        o.addProperty("vocab_size", vocabSize);
        o.addProperty("hidden_size", hiddenSize);
        o.addProperty("intermediate_size", intermediateSize);
        o.addProperty("num_hidden_layers", numHiddenLayers);
        o.addProperty("num_attention_heads", numAttentionHeads);
        o.addProperty("num_key_value_heads", numKeyValueHeads);
        o.addProperty("hidden_act", "silu");
        o.addProperty("rms_norm_eps", rmsNormEps);
        o.addProperty("rope_theta", ropeTheta);
        o.addProperty("max_position_embeddings", maxPositionEmbeddings);
        o.addProperty("tie_word_embeddings", tieWordEmbeddings);
        JsonObject rope = new JsonObject();
        rope.addProperty("type", "mrope");
        JsonArray section = new JsonArray();
        mropeSection.forEach(section::add);
        rope.add("mrope_section", section);
        o.add("rope_scaling", rope);
        o.addProperty("eos_token_id", eosTokenId);
        o.addProperty("pad_token_id", padTokenId);
        o.addProperty("image_token_id", imageTokenId);
        o.addProperty("vision_start_token_id", visionStartTokenId);
        o.addProperty("vision_end_token_id", visionEndTokenId);
        if (visionConfig != null) {
            JsonObject v = new JsonObject();
            v.addProperty("depth", visionConfig.depth());
            v.addProperty("embed_dim", visionConfig.embedDim());
            v.addProperty("hidden_size", hiddenSize);
            v.addProperty("mlp_ratio", visionConfig.mlpRatio());
            v.addProperty("num_heads", visionConfig.numHeads());
            v.addProperty("in_chans", visionConfig.inChannels());
            v.addProperty("patch_size", visionConfig.patchSize());
            v.addProperty("spatial_merge_size", visionConfig.spatialMergeSize());
            v.addProperty("temporal_patch_size", visionConfig.temporalPatchSize());
            o.add("vision_config", v);
        }
        Files.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(o) + "\n",
                StandardCharsets.UTF_8);
    }

    // ---- the tiny models mr1 creates ----

    /**
     * A tiny Qwen2-VL (about 1-5 M parameters, trains on 2 CPU cores) over a word-level
     * vocabulary from {@link WordLevelTokenizerJson#vocabulary}: hidden 128, 4 layers, 4 heads,
     * 2 KV heads, tied head; vision depth 2, width 64, 4 heads, patch 14.
     *
     * @param vocabulary token to id (must hold the chat and vision markers)
     * @return the config
     */
    public static ModelConfig tiny(Map<String, Integer> vocabulary) {
        return new ModelConfig(MODEL_TYPE, vocabulary.size(), 128, 384, 4, 4, 2, 1e-6, 10000.0, 4096, true,
                defaultMropeSection(32), id(vocabulary, WordLevelTokenizerJson.IMAGE),
                id(vocabulary, "<|vision_start|>"), id(vocabulary, "<|vision_end|>"),
                id(vocabulary, WordLevelTokenizerJson.EOS), id(vocabulary, WordLevelTokenizerJson.PAD),
                new VisionConfig(2, 64, 4, 2, 14, 2, 2, 3), List.of());
    }

    private static int id(Map<String, Integer> vocabulary, String token) {
        Integer id = vocabulary.get(token);
        if (id == null) {
            throw new IllegalArgumentException("vocabulary has no " + token);
        }
        return id;
    }

    /**
     * This config with other decoder sizes (the M-RoPE split follows the new head width).
     *
     * @param hidden hidden size
     * @param intermediate MLP width
     * @param layers decoder layers
     * @param heads query heads
     * @param kvHeads key/value heads
     * @return the new config
     */
    public ModelConfig withDecoder(int hidden, int intermediate, int layers, int heads, int kvHeads) {
        return new ModelConfig(modelType, vocabSize, hidden, intermediate, layers, heads, kvHeads, rmsNormEps,
                ropeTheta, maxPositionEmbeddings, tieWordEmbeddings, defaultMropeSection(hidden / heads), imageTokenId,
                visionStartTokenId, visionEndTokenId, eosTokenId, padTokenId, visionConfig, ignoredKeys);
    }

    /**
     * This config with another vision encoder.
     *
     * @param vision the vision sizes
     * @return the new config
     */
    public ModelConfig withVision(VisionConfig vision) {
        return new ModelConfig(modelType, vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                numKeyValueHeads, rmsNormEps, ropeTheta, maxPositionEmbeddings, tieWordEmbeddings, mropeSection,
                imageTokenId, visionStartTokenId, visionEndTokenId, eosTokenId, padTokenId, vision, ignoredKeys);
    }

    /** @return a readable summary, ids and sizes (records print lists; this keeps it one line) */
    @Override
    public String toString() {
        return "ModelConfig[" + MODEL_TYPE + ", vocab " + vocabSize + ", hidden " + hiddenSize + ", layers "
                + numHiddenLayers + ", heads " + numAttentionHeads + "/" + numKeyValueHeads + ", mrope "
                + mropeSection + ", vision " + visionConfig + ", ignored " + Arrays.toString(ignoredKeys.toArray())
                + "]";
    }
}
