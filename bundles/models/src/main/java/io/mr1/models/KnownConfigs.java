package io.mr1.models;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Published configurations, for sizing runs and benchmarks without downloading a checkpoint:
 * {@code mr1 doctor --model DIR} works on a folder that holds only one of these as
 * {@code config.json}, and the real-size benchmark writes random weights for it.
 */
public final class KnownConfigs {

    /**
     * Qwen2-VL-2B-Instruct's {@code config.json} as the Hugging Face hub publishes it (flat text
     * keys, tied embeddings, 151936 vocabulary rows, vision depth 32 of width 1280 with 16 heads,
     * M-RoPE sections 16/24/24, bfloat16 weights): 2,208,985,600 parameters.
     */
    public static final String QWEN2_VL_2B_INSTRUCT = """
            {
              "architectures": ["Qwen2VLForConditionalGeneration"],
              "attention_dropout": 0.0,
              "bos_token_id": 151643,
              "eos_token_id": 151645,
              "vision_start_token_id": 151652,
              "vision_end_token_id": 151653,
              "vision_token_id": 151654,
              "image_token_id": 151655,
              "video_token_id": 151656,
              "hidden_act": "silu",
              "hidden_size": 1536,
              "initializer_range": 0.02,
              "intermediate_size": 8960,
              "max_position_embeddings": 32768,
              "max_window_layers": 28,
              "model_type": "qwen2_vl",
              "num_attention_heads": 12,
              "num_hidden_layers": 28,
              "num_key_value_heads": 2,
              "rms_norm_eps": 1e-06,
              "rope_theta": 1000000.0,
              "sliding_window": 32768,
              "tie_word_embeddings": true,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.41.2",
              "use_cache": true,
              "use_sliding_window": false,
              "vision_config": {
                "depth": 32,
                "embed_dim": 1280,
                "mlp_ratio": 4,
                "num_heads": 16,
                "in_chans": 3,
                "hidden_size": 1536,
                "patch_size": 14,
                "spatial_merge_size": 2,
                "spatial_patch_size": 14,
                "temporal_patch_size": 2
              },
              "rope_scaling": {
                "type": "mrope",
                "mrope_section": [16, 24, 24]
              },
              "vocab_size": 151936
            }
            """;

    /**
     * Qwen2-VL-7B-Instruct's {@code config.json} as the hub publishes it: the 2B's layout with a
     * 3584-wide decoder of 28 layers (28 heads, 4 key/value heads, intermediate 18944), untied
     * embeddings of 152064 rows, the same vision tower (merging into 3584), bfloat16 weights.
     */
    public static final String QWEN2_VL_7B_INSTRUCT = """
            {
              "architectures": ["Qwen2VLForConditionalGeneration"],
              "attention_dropout": 0.0,
              "bos_token_id": 151643,
              "eos_token_id": 151645,
              "vision_start_token_id": 151652,
              "vision_end_token_id": 151653,
              "vision_token_id": 151654,
              "image_token_id": 151655,
              "video_token_id": 151656,
              "hidden_act": "silu",
              "hidden_size": 3584,
              "initializer_range": 0.02,
              "intermediate_size": 18944,
              "max_position_embeddings": 32768,
              "max_window_layers": 28,
              "model_type": "qwen2_vl",
              "num_attention_heads": 28,
              "num_hidden_layers": 28,
              "num_key_value_heads": 4,
              "rms_norm_eps": 1e-06,
              "rope_theta": 1000000.0,
              "sliding_window": 32768,
              "tie_word_embeddings": false,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.41.2",
              "use_cache": true,
              "use_sliding_window": false,
              "vision_config": {
                "depth": 32,
                "embed_dim": 1280,
                "mlp_ratio": 4,
                "num_heads": 16,
                "in_chans": 3,
                "hidden_size": 3584,
                "patch_size": 14,
                "spatial_merge_size": 2,
                "spatial_patch_size": 14,
                "temporal_patch_size": 2
              },
              "rope_scaling": {
                "type": "mrope",
                "mrope_section": [16, 24, 24]
              },
              "vocab_size": 152064
            }
            """;

    private KnownConfigs() {
    }

    /**
     * Writes a config as a folder's {@code config.json}, atomically.
     *
     * @param folder the model folder (created if missing)
     * @param json one of this class's configs
     * @return the file written
     * @throws IOException if writing fails
     */
    public static Path write(Path folder, String json) throws IOException {
        java.nio.file.Files.createDirectories(folder);
        Path file = folder.resolve(Checkpoints.CONFIG);
        io.mr1.core.io.AtomicFiles.write(file, out -> out.write(json.getBytes(StandardCharsets.UTF_8)));
        return file;
    }
}
