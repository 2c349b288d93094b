package io.mr1.launcher;

import static io.mr1.launcher.LauncherProcessIT.mr1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mr1.models.Checkpoints;
import io.mr1.models.KnownConfigs;
import io.mr1.models.ModelConfig;
import io.mr1.models.Qwen2VlModel;
import io.mr1.models.SafeTensors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mr1 train} and {@code mr1 eval} through the real bin/mr1 on a tiny Hugging Face folder
 * as a lab would bring it: Qwen2-VL-2B-Instruct's config with the sizes shrunk (the vocabulary
 * keeps its 151936 rows, so every id of the real Qwen tokenizer fits), BF16 weights in two
 * shards with an index, the real byte-level BPE tokenizer (../shared/fixtures/qwen-tokenizer),
 * a preprocessor config and generation config; R1-V counting data on real Super-CLEVR images.
 */
class RealTokenizerTrainingIT {

    private static final Path TOKENIZER = Path.of("../../shared/fixtures/qwen-tokenizer");
    private static final Path SAMPLES = Path.of("../../shared/data/real/superclevr-samples");

    /** Qwen2-VL-2B-Instruct's config with small sizes: hidden 32, 2 layers, head_dim 16, vision width 32. */
    static Path writeTinyFolder(Path dir) throws Exception {
        JsonObject root = JsonParser.parseString(KnownConfigs.QWEN2_VL_2B_INSTRUCT).getAsJsonObject();
        root.addProperty("hidden_size", 32);
        root.addProperty("intermediate_size", 64);
        root.addProperty("num_hidden_layers", 2);
        root.addProperty("num_attention_heads", 2);
        root.addProperty("num_key_value_heads", 1);
        JsonArray section = new JsonArray();
        List.of(2, 3, 3).forEach(section::add);
        root.getAsJsonObject("rope_scaling").add("mrope_section", section);
        JsonObject vision = root.getAsJsonObject("vision_config");
        vision.addProperty("depth", 1);
        vision.addProperty("embed_dim", 32);
        vision.addProperty("num_heads", 2);
        vision.addProperty("mlp_ratio", 2);
        vision.addProperty("hidden_size", 32);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(Checkpoints.CONFIG), root.toString(), StandardCharsets.UTF_8);
        ModelConfig config = ModelConfig.read(dir.resolve(Checkpoints.CONFIG));
        Random random = new Random(11);
        Map<String, SafeTensors.TensorInfo> layout = new LinkedHashMap<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        new Qwen2VlModel(config).parameters().forEach((name, spec) -> {
            layout.put(name, new SafeTensors.TensorInfo("BF16", spec.shape()));
            float[] v = new float[(int) spec.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = switch (spec.init()) {
                    case NORMAL -> (float) (random.nextGaussian() * 0.02);
                    case ONES -> 1f;
                    case ZEROS -> 0f;
                };
            }
            values.put(name, v);
        });
        // The 151936 x 32 embedding alone is 9.7 MB in BF16: 6 MB shards make two files and an index.
        Checkpoints.writeWeights(dir, layout, values::get, 6_000_000);
        Files.copy(TOKENIZER.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.copy(TOKENIZER.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        Files.writeString(dir.resolve("generation_config.json"),
                "{\"bos_token_id\": 151643, \"eos_token_id\": [151645, 151643], \"pad_token_id\": 151643}\n");
        Files.writeString(dir.resolve("preprocessor_config.json"), "{\"min_pixels\": 3136, \"max_pixels\": 12544,"
                + " \"patch_size\": 14, \"temporal_patch_size\": 2, \"merge_size\": 2,"
                + " \"image_mean\": [0.48145466, 0.4578275, 0.40821073],"
                + " \"image_std\": [0.26862954, 0.26130258, 0.27577711]}\n");
        return dir;
    }

    /** The shared R1-V counting samples with their image paths made absolute. */
    private static Path data(Path file, int items) throws Exception {
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(SAMPLES.resolve("counting.jsonl")).subList(0, items)) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            o.addProperty("image", SAMPLES.resolve(o.get("image").getAsString()).toAbsolutePath().normalize().toString());
            lines.add(o.toString());
        }
        Files.write(file, lines);
        return file;
    }

    private static JsonObject json(Path file) throws Exception {
        return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
    }

    @Test
    void grpoTrainsATinyHfCheckpointWithTheRealTokenizerAndSavesItInHfLayout(@TempDir Path tmp) throws Exception {
        Path model = writeTinyFolder(tmp.resolve("qwen2vl-tiny"));
        assertTrue(Files.isRegularFile(model.resolve(Checkpoints.INDEX)), "the input folder is sharded");
        Path train = data(tmp.resolve("train.jsonl"), 4);
        Path eval = data(tmp.resolve("eval.jsonl"), 2);
        Path config = tmp.resolve("run.yaml");
        Files.writeString(config, """
                algorithm: grpo
                task: visual-counting
                seed: 3
                model: {checkpoint: %s}
                data: {train: %s, eval: %s, eval_max_new_tokens: 4}
                rewards: {accuracy: 1.0, format: 1.0}
                grpo: {num_generations: 2, max_completion_length: 6}
                batch_size: 2
                steps: 2
                optimizer: {learning_rate: 0.001}
                """.formatted(model, train, eval), StandardCharsets.UTF_8);
        Path run = tmp.resolve("run");
        var r = mr1(tmp, "train", "--config", config.toString(), "--out", run.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(2, metrics.size(), metrics.toString());
        for (String line : metrics) {
            JsonObject m = JsonParser.parseString(line).getAsJsonObject();
            assertTrue(Double.isFinite(m.get("loss").getAsDouble()), line);
        }
        // Completions were sampled from the real vocabulary and decoded by the real tokenizer.
        assertTrue(Files.size(run.resolve("samples.jsonl")) > 0);

        Path saved = run.resolve("checkpoints/step-2/policy");
        JsonObject savedConfig = json(saved.resolve(Checkpoints.CONFIG));
        assertEquals("qwen2_vl", savedConfig.get("model_type").getAsString());
        for (String key : List.of("hidden_size", "num_hidden_layers", "vocab_size", "tie_word_embeddings",
                "vision_config", "rope_scaling", "image_token_id", "vision_start_token_id")) {
            assertTrue(savedConfig.has(key), "saved config.json lacks " + key + ": " + savedConfig);
        }
        assertEquals(151936, savedConfig.get("vocab_size").getAsInt());
        assertEquals("bfloat16", savedConfig.get("torch_dtype").getAsString());
        Map<String, SafeTensors.TensorInfo> before = Checkpoints.describeWeights(model);
        Map<String, SafeTensors.TensorInfo> after = Checkpoints.describeWeights(saved);
        assertEquals(before.keySet(), after.keySet(), "Hugging Face tensor names");
        after.forEach((name, info) -> assertEquals("BF16", info.dtype(), name + " keeps the checkpoint's dtype"));
        for (String copied : List.of("tokenizer.json", "tokenizer_config.json", "generation_config.json",
                "preprocessor_config.json")) {
            assertTrue(Files.isRegularFile(saved.resolve(copied)), copied);
        }
        assertEquals(Files.mismatch(model.resolve("tokenizer.json"), saved.resolve("tokenizer.json")), -1L);

        // The saved folder is a model folder like the input: doctor counts it, eval runs it.
        var doctor = mr1(tmp, "doctor", "--model", saved.toString(), "--json", "--device-memory", "8",
                "--generations", "2", "--max-length", "64");
        assertEquals(0, doctor.status(), doctor.out() + doctor.err());
        long expected = before.values().stream().mapToLong(SafeTensors.TensorInfo::elements).sum();
        assertEquals(expected, JsonParser.parseString(doctor.out()).getAsJsonObject().get("parameters").getAsLong());
        Path evalOut = tmp.resolve("eval.json");
        var evaluated = mr1(tmp, "eval", "--checkpoint", saved.toString(), "--task", "visual-counting", "--data",
                eval.toString(), "--max-new-tokens", "4", "--out", evalOut.toString());
        assertEquals(0, evaluated.status(), evaluated.out() + evaluated.err());
        assertTrue(Files.isRegularFile(evalOut));

        // model.dtype bfloat16 on the PyTorch backend: the run trains in bfloat16 and saves BF16 as it loaded.
        String plain = Files.readString(config);
        Files.writeString(config, plain.replace("model: {checkpoint: " + model + "}",
                "model: {checkpoint: " + model + ", dtype: bfloat16}").replace("steps: 2", "steps: 1"));
        Path halfRun = tmp.resolve("bf16-run");
        var half = mr1(tmp, "train", "--config", config.toString(), "--out", halfRun.toString());
        assertEquals(0, half.status(), half.out() + half.err());
        JsonObject m = JsonParser.parseString(Files.readAllLines(halfRun.resolve("metrics.jsonl")).get(0))
                .getAsJsonObject();
        assertTrue(Double.isFinite(m.get("loss").getAsDouble()), m.toString());
        Path halfSaved = halfRun.resolve("checkpoints/step-1/policy");
        Checkpoints.describeWeights(halfSaved).forEach((name, info) -> assertEquals("BF16", info.dtype(), name));
        assertTrue(SafeTensors.read(halfRun.resolve("checkpoints/step-1/policy/" + Checkpoints.OPTIMIZER)).keySet()
                .stream().anyMatch(k -> k.startsWith("master.")), "float32 masters in the optimiser state");
        // mr1 eval computes in bfloat16 when asked, and a backend that holds float32 only refuses it by name.
        Path halfEval = tmp.resolve("eval-bf16.json");
        var halfEvaluated = mr1(tmp, "eval", "--checkpoint", halfSaved.toString(), "--task", "visual-counting",
                "--data", eval.toString(), "--max-new-tokens", "4", "--dtype", "bfloat16", "--out", halfEval.toString());
        assertEquals(0, halfEvaluated.status(), halfEvaluated.out() + halfEvaluated.err());
        assertTrue(Files.isRegularFile(halfEval));
        var tfEval = mr1(tmp, "eval", "--checkpoint", halfSaved.toString(), "--task", "visual-counting", "--data",
                eval.toString(), "--backend", "tensorflow", "--dtype", "bfloat16");
        assertEquals(2, tfEval.status(), tfEval.out() + tfEval.err());
        assertTrue(tfEval.err().contains("--dtype") && tfEval.err().contains("tensorflow"), tfEval.err());

        // A dtype a backend cannot hold (TensorFlow: float32 only) is refused before the run starts, naming the key.
        Files.writeString(config, plain.replace("model: {checkpoint: " + model + "}",
                "backend: tensorflow\nmodel: {checkpoint: " + model + ", dtype: bfloat16}"));
        var refused = mr1(tmp, "train", "--config", config.toString(), "--out", tmp.resolve("refused").toString());
        assertTrue(refused.status() != 0, refused.out());
        assertTrue(refused.err().contains("model.dtype") && refused.err().contains("bfloat16")
                && refused.err().contains("float32"), refused.err());
        assertTrue(!Files.exists(tmp.resolve("refused")), "nothing written for a refused run");
    }
}
