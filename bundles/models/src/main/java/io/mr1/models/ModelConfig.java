package io.mr1.models;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * A model's sizes, read from and written to {@code config.json} with Hugging Face's
 * Qwen2-VL key names (snake_case) where they exist.
 *
 * @param modelType {@code model_type}
 * @param vocabSize tokens in the vocabulary
 * @param hiddenSize decoder width H
 * @param intermediateSize SwiGLU inner width
 * @param numHiddenLayers decoder layers
 * @param numAttentionHeads query heads
 * @param numKeyValueHeads key/value heads (grouped-query attention; divides the query heads)
 * @param rmsNormEps RMSNorm epsilon
 * @param ropeTheta rotary base
 * @param maxPositionEmbeddings longest sequence
 * @param tieWordEmbeddings the output head reuses the embedding matrix
 * @param imageTokenId id of the placeholder token that vision features replace
 * @param eosTokenId end-of-sequence id
 * @param padTokenId padding id
 * @param visionConfig the vision encoder
 */
public record ModelConfig(String modelType, int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                          int numAttentionHeads, int numKeyValueHeads, double rmsNormEps, double ropeTheta,
                          int maxPositionEmbeddings, boolean tieWordEmbeddings, int imageTokenId, int eosTokenId,
                          int padTokenId, VisionConfig visionConfig) {

    /**
     * The vision encoder's sizes.
     *
     * @param depth transformer blocks
     * @param embedDim width E
     * @param numHeads attention heads
     * @param mlpRatio MLP width / E
     * @param patchSize square patch side in pixels
     * @param spatialMergeSize side of the square of patches merged into one language token (2)
     * @param imageSize images are resized to imageSize x imageSize
     */
    public record VisionConfig(int depth, int embedDim, int numHeads, int mlpRatio, int patchSize,
                               int spatialMergeSize, int imageSize) {

        /** @return patches per image side */
        public int gridSide() {
            return imageSize / patchSize;
        }

        /** @return language tokens one image becomes after merging */
        public int tokensPerImage() {
            int merged = gridSide() / spatialMergeSize;
            return merged * merged;
        }
    }

    private static final Gson GSON = new GsonBuilder()
            .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES).setPrettyPrinting().create();

    /** Validates consistency. */
    public ModelConfig {
        require(hiddenSize % numAttentionHeads == 0, "hidden_size must be divisible by num_attention_heads");
        require(numAttentionHeads % numKeyValueHeads == 0, "num_attention_heads must be divisible by num_key_value_heads");
        require((hiddenSize / numAttentionHeads) % 2 == 0, "head dimension must be even (rotary)");
        require(imageTokenId >= 0 && imageTokenId < vocabSize, "image_token_id out of vocabulary");
        require(eosTokenId >= 0 && eosTokenId < vocabSize, "eos_token_id out of vocabulary");
        if (visionConfig != null) {
            require(visionConfig.imageSize() % (visionConfig.patchSize() * visionConfig.spatialMergeSize()) == 0,
                    "vision image_size must be a multiple of patch_size * spatial_merge_size");
            require(visionConfig.embedDim() % visionConfig.numHeads() == 0,
                    "vision embed_dim must be divisible by num_heads");
            require((visionConfig.embedDim() / visionConfig.numHeads()) % 4 == 0,
                    "vision head dimension must be a multiple of 4 (2-D rotary)");
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
     * Reads {@code config.json}; unknown keys are an error naming them.
     *
     * @param file the file
     * @return the config
     * @throws IOException if unreadable or invalid (the message names the file and key)
     */
    public static ModelConfig read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            JsonObject json = JsonParser.parseString(text).getAsJsonObject();
            Set<String> unknown = new TreeSet<>(json.keySet());
            unknown.removeAll(KNOWN);
            if (!unknown.isEmpty()) {
                throw new IOException(file + ": unknown config keys " + unknown + "; valid keys: " + new TreeSet<>(KNOWN));
            }
            return GSON.fromJson(json, ModelConfig.class);
        } catch (JsonParseException | IllegalStateException | IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static final Set<String> KNOWN = Set.of("model_type", "vocab_size", "hidden_size", "intermediate_size",
            "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "rms_norm_eps", "rope_theta",
            "max_position_embeddings", "tie_word_embeddings", "image_token_id", "eos_token_id", "pad_token_id",
            "vision_config");

    /**
     * Writes {@code config.json}.
     *
     * @param file the file
     * @throws IOException if writing fails
     */
    public void write(Path file) throws IOException {
        Files.writeString(file, GSON.toJson(this), StandardCharsets.UTF_8);
    }

    /**
     * The default tiny config: about 1-5 M parameters, trains on 2 CPU cores.
     *
     * @param vocabSize vocabulary size of the generated tokenizer
     * @param imageTokenId the image placeholder id
     * @param eosTokenId end of sequence
     * @param padTokenId padding
     * @return the config
     */
    public static ModelConfig tiny(int vocabSize, int imageTokenId, int eosTokenId, int padTokenId) {
        return new ModelConfig("mr1-qwen2-vl", vocabSize, 128, 384, 4, 4, 2, 1e-6, 10000.0, 512, true,
                imageTokenId, eosTokenId, padTokenId, new VisionConfig(2, 64, 4, 2, 14, 2, 112));
    }
}
