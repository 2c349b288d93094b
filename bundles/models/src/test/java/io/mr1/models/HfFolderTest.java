package io.mr1.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mr1.tensor.DoubleTensor;
import io.mr1.tensor.Parameters;
import io.mr1.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hugging Face model folders: flat and nested configs, sharded weights, round trips and bad input. */
class HfFolderTest {

    @Test
    void flatAndNestedConfigsReadTheSameAndUnknownKeysAreListed(@TempDir Path tmp) throws Exception {
        ModelConfig flat = ModelConfig.read(HfFixture.CHECKPOINT.resolve(Checkpoints.CONFIG));
        assertEquals(96, flat.hiddenSize());
        assertEquals(List.of(4, 4, 4), flat.mropeSection());
        assertEquals(false, flat.tieWordEmbeddings());
        assertEquals(1e6, flat.ropeTheta());
        assertEquals(new ModelConfig.VisionConfig(1, 48, 3, 4, 14, 2, 2, 3), flat.visionConfig());
        assertTrue(flat.ignoredKeys().containsAll(List.of("bos_token_id", "sliding_window", "use_sliding_window")),
                flat.ignoredKeys().toString());

        JsonObject root = JsonParser.parseString(Files.readString(HfFixture.CHECKPOINT.resolve(Checkpoints.CONFIG)))
                .getAsJsonObject();
        JsonObject text = new JsonObject();
        for (String key : List.of("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                "num_key_value_heads", "rms_norm_eps", "rope_theta", "vocab_size", "rope_scaling", "max_position_embeddings")) {
            text.add(key, root.remove(key));
        }
        root.get("vision_config").getAsJsonObject().add("in_channels", root.getAsJsonObject("vision_config").remove("in_chans"));
        root.add("text_config", text);
        Path nested = Files.writeString(tmp.resolve("config.json"), root.toString());
        ModelConfig read = ModelConfig.read(nested);
        assertSameSizes(flat, read);

        // Written back flat with HF's keys, it reads the same.
        flat.write(tmp.resolve("again.json"));
        assertSameSizes(flat, ModelConfig.read(tmp.resolve("again.json")));
        assertEquals("qwen2_vl", JsonParser.parseString(Files.readString(tmp.resolve("again.json"))).getAsJsonObject()
                .get("model_type").getAsString());

        root.addProperty("model_type", "llava");
        Path other = Files.writeString(tmp.resolve("llava.json"), root.toString());
        IOException e = assertThrows(IOException.class, () -> ModelConfig.read(other));
        assertTrue(e.getMessage().contains("llava.json") && e.getMessage().contains("model_type llava"), e.getMessage());
    }

    private static void assertSameSizes(ModelConfig a, ModelConfig b) {
        assertEquals(List.of(a.vocabSize(), a.hiddenSize(), a.intermediateSize(), a.numHiddenLayers(),
                a.numAttentionHeads(), a.numKeyValueHeads(), a.imageTokenId(), a.eosTokenId(), a.padTokenId()),
                List.of(b.vocabSize(), b.hiddenSize(), b.intermediateSize(), b.numHiddenLayers(),
                b.numAttentionHeads(), b.numKeyValueHeads(), b.imageTokenId(), b.eosTokenId(), b.padTokenId()));
        assertEquals(a.mropeSection(), b.mropeSection());
        assertEquals(a.ropeTheta(), b.ropeTheta());
        assertEquals(a.rmsNormEps(), b.rmsNormEps());
        assertEquals(a.tieWordEmbeddings(), b.tieWordEmbeddings());
        assertEquals(a.visionConfig(), b.visionConfig());
    }

    @Test
    void shardedFolderReloadsWithIdenticalLogits(@TempDir Path tmp) throws Exception {
        Map<String, SafeTensors.Entry> weights = Checkpoints.readWeights(HfFixture.CHECKPOINT);
        Checkpoints.writeWeights(tmp, weights, 400_000); // 1.8 MB of weights -> several shards
        assertTrue(Files.isRegularFile(tmp.resolve(Checkpoints.INDEX)));
        long shards;
        try (var files = Files.list(tmp)) {
            shards = files.filter(f -> f.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors")).count();
        }
        assertTrue(shards >= 4, shards + " shards");
        Map<String, SafeTensors.Entry> reread = Checkpoints.readWeights(tmp);
        assertEquals(weights.keySet(), reread.keySet());
        ModelConfig config = ModelConfig.read(HfFixture.CHECKPOINT.resolve(Checkpoints.CONFIG));
        Qwen2VlModel model = new Qwen2VlModel(config);
        Checkpoints.validate(tmp.resolve(Checkpoints.INDEX), model, reread);
        long[][] ids = {{10, 11, 12, 13, 14}};
        long[] t = {0, 1, 2, 3, 4};
        int[][] mask = {{1, 1, 1, 1, 1}};
        double[] a = model.forward(params(weights), DoubleTensor.FACTORY, ids, new long[][][] {{t, t, t}}, mask, null, null)
                .toDoubleArray();
        double[] b = model.forward(params(reread), DoubleTensor.FACTORY, ids, new long[][][] {{t, t, t}}, mask, null, null)
                .toDoubleArray();
        assertArrayEquals(a, b, 0.0);
    }

    private static Parameters params(Map<String, SafeTensors.Entry> weights) {
        Map<String, Tensor> values = new HashMap<>();
        weights.forEach((n, e) -> values.put(n, DoubleTensor.FACTORY.constant(e.data(), e.shape())));
        return values::get;
    }

    @Test
    void badFoldersAreErrorsNamingFileAndTensor(@TempDir Path tmp) throws Exception {
        Map<String, SafeTensors.Entry> weights = Checkpoints.readWeights(HfFixture.CHECKPOINT);
        Path sharded = Files.createDirectories(tmp.resolve("sharded"));
        Checkpoints.writeWeights(sharded, weights, 400_000);
        Files.delete(sharded.resolve(String.format("model-%05d-of-%05d.safetensors", 2, countShards(sharded))));
        IOException missing = assertThrows(IOException.class, () -> Checkpoints.readWeights(sharded));
        assertTrue(missing.getMessage().contains("missing shard") && missing.getMessage().contains("model-00002-of-"),
                missing.getMessage());

        Path lying = Files.createDirectories(tmp.resolve("lying"));
        Checkpoints.writeWeights(lying, weights, 400_000);
        JsonObject index = JsonParser.parseString(Files.readString(lying.resolve(Checkpoints.INDEX))).getAsJsonObject();
        index.getAsJsonObject("weight_map").addProperty("model.extra.weight", "model-00001-of-0000" + countShards(lying)
                + ".safetensors");
        Files.writeString(lying.resolve(Checkpoints.INDEX), new GsonBuilder().create().toJson(index));
        IOException absent = assertThrows(IOException.class, () -> Checkpoints.readWeights(lying));
        assertTrue(absent.getMessage().contains("model.extra.weight") && absent.getMessage().contains("model-00001-of-"),
                absent.getMessage());

        Map<String, SafeTensors.Entry> wrong = new HashMap<>(weights);
        wrong.put("lm_head.weight", new SafeTensors.Entry(new long[] {600, 95}, new float[600 * 95]));
        ModelConfig config = ModelConfig.read(HfFixture.CHECKPOINT.resolve(Checkpoints.CONFIG));
        IOException shape = assertThrows(IOException.class,
                () -> Checkpoints.validate(tmp.resolve("x.safetensors"), new Qwen2VlModel(config), wrong));
        assertTrue(shape.getMessage().contains("lm_head.weight has shape [600, 95], config needs [600, 96]")
                && shape.getMessage().contains("x.safetensors"), shape.getMessage());

        byte[] whole = Files.readAllBytes(HfFixture.CHECKPOINT.resolve(Checkpoints.WEIGHTS));
        Path truncated = Files.write(tmp.resolve("truncated.safetensors"), java.util.Arrays.copyOf(whole, whole.length - 100));
        IOException cut = assertThrows(IOException.class, () -> SafeTensors.read(truncated));
        assertTrue(cut.getMessage().contains("truncated.safetensors") && cut.getMessage().contains("truncated"),
                cut.getMessage());

        Path ints = tmp.resolve("ints.safetensors");
        writeRaw(ints, "{\"counts\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", new byte[16]);
        IOException dtype = assertThrows(IOException.class, () -> SafeTensors.read(ints));
        assertTrue(dtype.getMessage().contains("counts") && dtype.getMessage().contains("I64"), dtype.getMessage());
    }

    @Test
    void bf16AndF16AreWidenedToFloat32(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("half.safetensors");
        ByteBuffer data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort((short) 0x3fc0).putShort((short) 0xc000); // bf16 1.5, -2
        data.putShort((short) 0x3e00).putShort((short) 0x0001); // f16 1.5, smallest subnormal
        writeRaw(file, "{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[4,8]}}", data.array());
        Map<String, SafeTensors.Entry> read = SafeTensors.read(file);
        assertArrayEquals(new float[] {1.5f, -2f}, read.get("a").data());
        assertArrayEquals(new float[] {1.5f, 0x1p-24f}, read.get("b").data());
    }

    private static int countShards(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            return (int) files.filter(f -> f.getFileName().toString().startsWith("model-")).count();
        }
    }

    private static void writeRaw(Path file, String header, byte[] data) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(json.length).put(json).put(data);
        Files.write(file, buf.array());
    }
}
