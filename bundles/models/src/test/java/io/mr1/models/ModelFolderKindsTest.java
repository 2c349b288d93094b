package io.mr1.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exact parameter count of every kind of model folder — single file and sharded, flat and
 * nested config, tied and untied head, F32 and BF16 — against a count worked out from the
 * config's sizes by hand (not from the model's own parameter list), and streamed loading of each.
 */
public class ModelFolderKindsTest {

    /** Qwen2-VL's parameters from the sizes alone, as the layer shapes of transformers' modules add up. */
    public static long expectedParameters(int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads,
                                   boolean tied, int depth, int embed, int mlpRatio, int patchValues) {
        long kv = (long) kvHeads * (hidden / heads);
        long layer = (long) hidden * hidden + hidden // q_proj with bias
                + 2 * ((long) hidden * kv + kv) // k_proj, v_proj with bias
                + (long) hidden * hidden // o_proj, no bias
                + 3L * hidden * intermediate // gate, up, down
                + 2L * hidden; // the two RMSNorms
        long text = (long) vocab * hidden + layers * layer + hidden + (tied ? 0 : (long) vocab * hidden);
        long e = embed;
        long m = (long) mlpRatio * embed;
        long block = 4 * e + (3 * e * e + 3 * e) + (e * e + e) + (e * m + m) + (m * e + e);
        long merger = 2 * e + (4 * e * 4 * e + 4 * e) + (4 * e * hidden + hidden);
        long vision = e * patchValues + depth * block + merger;
        return text + vision;
    }

    @Test
    void qwen2Vl2bInstructFromItsConfigAloneHasThePublishedCount(@TempDir Path tmp) throws Exception {
        KnownConfigs.write(tmp, KnownConfigs.QWEN2_VL_2B_INSTRUCT);
        ModelSummary s = ModelSummary.read(tmp);
        assertTrue(s.fromConfig());
        assertEquals(expectedParameters(151936, 1536, 8960, 28, 12, 2, true, 32, 1280, 4, 1176), s.parameters());
        assertEquals(2_208_985_600L, s.parameters(), "Qwen2-VL-2B-Instruct: 2.21 B parameters");
        assertEquals(Map.of("BF16", s.tensors().size()), s.dtypes(), "torch_dtype bfloat16");
        assertEquals(2, s.bytesOnDisk());
    }

    @Test
    void everyFolderKindCountsExactlyAndStreamsItsTensors(@TempDir Path tmp) throws Exception {
        int kinds = 0;
        for (boolean nested : new boolean[] {false, true}) {
            for (boolean tied : new boolean[] {true, false}) {
                for (String dtype : List.of("F32", "BF16")) {
                    for (boolean sharded : new boolean[] {false, true}) {
                        Path dir = tmp.resolve((nested ? "nested" : "flat") + "-" + (tied ? "tied" : "untied") + "-"
                                + dtype + "-" + (sharded ? "sharded" : "single"));
                        ModelConfig config = writeFolder(dir, nested, tied, dtype, sharded);
                        ModelSummary s = ModelSummary.read(dir);
                        String kind = dir.getFileName().toString();
                        assertFalse(s.fromConfig(), kind);
                        assertTrue(s.problems().isEmpty(), kind + ": " + s.problems());
                        assertEquals(expectedParameters(700, 64, 96, 2, 4, 2, tied, 1, 32, 2, 1176), s.parameters(), kind);
                        assertEquals(Map.of(dtype, s.tensors().size()), s.dtypes(), kind);
                        assertEquals(tied, !s.tensors().containsKey("lm_head.weight"), kind);
                        assertEquals(sharded, s.files().size() > 1, kind + " " + s.files());
                        assertEquals(sharded, Files.exists(dir.resolve(Checkpoints.INDEX)), kind);
                        assertEquals(tied, config.tieWordEmbeddings(), kind);
                        // Streaming hands over every tensor once, in its stored dtype and size.
                        Map<String, Long> streamed = new LinkedHashMap<>();
                        Checkpoints.streamWeights(dir, (name, info, bytes) -> {
                            assertEquals(dtype, info.dtype());
                            assertEquals(info.bytes(), bytes.limit());
                            assertTrue(bytes.isDirect() || info.bytes() == 0, "a mapping, not a heap copy");
                            streamed.put(name, info.elements());
                        });
                        assertEquals(s.parameters(), streamed.values().stream().mapToLong(Long::longValue).sum(), kind);
                        assertEquals(s.tensors().keySet(), streamed.keySet(), kind);
                        kinds++;
                    }
                }
            }
        }
        assertEquals(16, kinds);
    }

    /** Writes a small folder of one kind; BF16 values are the F32 ones rounded, sharded at 60 kB. */
    public static ModelConfig writeFolder(Path dir, boolean nested, boolean tied, String dtype, boolean sharded)
            throws Exception {
        Files.createDirectories(dir);
        ModelConfig base = ModelConfig.read(HfFixture.CHECKPOINT.resolve(Checkpoints.CONFIG));
        JsonObject root = JsonParser.parseString(Files.readString(HfFixture.CHECKPOINT.resolve(Checkpoints.CONFIG)))
                .getAsJsonObject();
        root.addProperty("vocab_size", 700);
        root.addProperty("hidden_size", 64);
        root.addProperty("intermediate_size", 96);
        root.addProperty("num_hidden_layers", 2);
        root.addProperty("num_attention_heads", 4);
        root.addProperty("num_key_value_heads", 2);
        root.addProperty("tie_word_embeddings", tied);
        root.addProperty("torch_dtype", dtype.equals("BF16") ? "bfloat16" : "float32");
        JsonObject rope = root.getAsJsonObject("rope_scaling");
        var section = new com.google.gson.JsonArray();
        List.of(4, 2, 2).forEach(section::add); // head_dim 16: 8 rotary frequencies
        rope.add("mrope_section", section);
        JsonObject vision = root.getAsJsonObject("vision_config");
        vision.addProperty("embed_dim", 32);
        vision.addProperty("num_heads", 2);
        vision.addProperty("mlp_ratio", 2);
        vision.addProperty("hidden_size", 64);
        if (nested) {
            JsonObject text = new JsonObject();
            for (String key : List.of("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                    "num_key_value_heads", "rms_norm_eps", "rope_theta", "vocab_size", "rope_scaling",
                    "max_position_embeddings")) {
                text.add(key, root.remove(key));
            }
            root.add("text_config", text);
        }
        Files.writeString(dir.resolve(Checkpoints.CONFIG), root.toString(), StandardCharsets.UTF_8);
        ModelConfig config = ModelConfig.read(dir.resolve(Checkpoints.CONFIG));
        assertEquals(base.modelType(), config.modelType());
        Random random = new Random(7);
        Map<String, SafeTensors.TensorInfo> layout = new LinkedHashMap<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        new Qwen2VlModel(config).parameters().forEach((name, spec) -> {
            layout.put(name, new SafeTensors.TensorInfo(dtype, spec.shape()));
            float[] v = new float[(int) spec.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (random.nextGaussian() * 0.02);
            }
            values.put(name, v);
        });
        Checkpoints.writeWeights(dir, layout, values::get, sharded ? 60_000 : Checkpoints.MAX_SHARD_BYTES);
        if (dtype.equals("BF16")) {
            // Read back, every value is the float rounded to bfloat16 (its top 16 bits, rounded to nearest even).
            float[] head = Checkpoints.readWeights(dir).get("model.norm.weight").data();
            float[] written = values.get("model.norm.weight");
            float[] rounded = new float[written.length];
            for (int i = 0; i < rounded.length; i++) {
                rounded[i] = Float.intBitsToFloat((SafeTensors.floatToBfloat16(written[i]) & 0xffff) << 16);
                assertTrue(Math.abs(rounded[i] - written[i]) <= Math.abs(written[i]) * 0x1p-8, "bf16 rounding error");
            }
            assertArrayEquals(rounded, head);
        }
        return config;
    }
}
