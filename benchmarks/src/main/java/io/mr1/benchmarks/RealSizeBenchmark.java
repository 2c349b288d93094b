package io.mr1.benchmarks;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.api.types.Completion;
import io.mr1.api.types.ImageRef;
import io.mr1.api.types.Prompt;
import io.mr1.backend.pytorch.TorchBackend;
import io.mr1.models.Checkpoints;
import io.mr1.models.ImageProcessor;
import io.mr1.models.ImageProcessorConfig;
import io.mr1.models.KnownConfigs;
import io.mr1.models.MemoryEstimate;
import io.mr1.models.ModelConfig;
import io.mr1.models.ModelSummary;
import io.mr1.models.Qwen2VlModel;
import io.mr1.models.SafeTensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Qwen2-VL at real size on this machine (issue 10, item 9). Writes a random checkpoint with
 * Qwen2-VL-2B-Instruct's exact configuration ({@link KnownConfigs#QWEN2_VL_2B_INSTRUCT}) as two
 * BF16 shards with an index, beside the real Qwen tokenizer and R1-V's image settings (max_pixels
 * 401408); then, in a fresh JVM so that its peak resident memory is its own, loads it through the
 * PyTorch backend (the policy and its frozen reference, float32 or with {@code --dtype bfloat16}), and measures: load time, RSS
 * after the load and the peak (VmHWM), one forward pass of a 640x480 image plus a 64-token
 * question, greedy decoding tokens/s with the KV cache, and {@code mr1 doctor}'s prediction beside
 * the measured memory, pass by pass: the peak RSS each pass adds (VmHWM reset before it, glibc's
 * mmap threshold fixed so freed tensors leave the RSS) beside doctor's estimate for that pass
 * (the forward/scoring pass of the prompt, greedy decoding of {@code --generations} rows, and a
 * scoring pass of {@code --score-rows} completions of {@code --score-length} tokens). With
 * {@code --train} it also takes one GRPO-D step and compares the RSS it
 * adds with doctor's gradients + AdamW moments + activations (the 2B model's step does not fit in
 * 24 GiB; run it on a reduced config). {@code --set key=value} (repeatable; {@code vision_config.KEY}
 * for the vision tower) changes the config, for tests at reduced size.
 *
 * <p>Usage: {@code RealSizeBenchmark [--dir DIR] [--keep] [--set k=v]... [--decode-tokens 32]
 * [--generations 1] [--score-rows 2] [--score-length 64] [--prompt-tokens 64] [--max-pixels 401408]
 * [--train] [--train-length 256] [--dtype float32|bfloat16] [--force] [--out FILE]}
 */
public final class RealSizeBenchmark {

    private static final Path TOKENIZER = Path.of("../../shared/fixtures/qwen-tokenizer");
    private static final Path IMAGE = Path.of("../../shared/data/real/superclevr-samples/images/superCLEVR_new_000000.png");
    private static final double MIB = 1024.0 * 1024;
    private static final double GIB = MIB * 1024;

    private RealSizeBenchmark() {
    }

    /**
     * The options.
     *
     * @param dir the checkpoint folder to write (and measure)
     * @param keep reuse a folder already written with the same config
     * @param overrides config changes, key to JSON value
     * @param decodeTokens tokens to decode greedily
     * @param promptTokens tokens of the question text
     * @param train also take one GRPO-D training step
     * @param trainLength completion tokens per row of that step (2 rows)
     * @param out the JSON report
     * @param tokenizer the folder with tokenizer.json and tokenizer_config.json
     * @param image the 640x480 image
     * @param maxPixels the image processor's max_pixels (R1-V's 401408: 1564 patches, 391 tokens)
     * @param force measure even when doctor's predicted peak exceeds the memory available
     * @param generations rows decoded (greedy) from the prompt
     * @param scoreRows completions of the measured scoring pass
     * @param scoreLength tokens of each of them
     * @param dtype the dtype the policy and its reference are held and computed in (float32 or bfloat16)
     */
    record Options(Path dir, boolean keep, Map<String, String> overrides, int decodeTokens, int promptTokens,
                   boolean train, int trainLength, Path out, Path tokenizer, Path image, int maxPixels,
                   boolean force, int generations, int scoreRows, int scoreLength, String dtype) {

        static Options parse(String... args) {
            Path dir = Path.of("target/qwen2vl-2b-random");
            boolean keep = false;
            Map<String, String> overrides = new LinkedHashMap<>();
            int decode = 32;
            int prompt = 64;
            boolean train = false;
            int trainLength = 256;
            Path out = Path.of("target/real-size-report.json");
            Path tokenizer = TOKENIZER;
            Path image = IMAGE;
            int maxPixels = 401408;
            boolean force = false;
            int generations = 1;
            int scoreRows = 2;
            int scoreLength = 64;
            String dtype = "float32";
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--keep" -> keep = true;
                    case "--train" -> train = true;
                    case "--force" -> force = true;
                    case "--dir" -> dir = Path.of(args[++i]);
                    case "--out" -> out = Path.of(args[++i]);
                    case "--tokenizer" -> tokenizer = Path.of(args[++i]);
                    case "--image" -> image = Path.of(args[++i]);
                    case "--decode-tokens" -> decode = Integer.parseInt(args[++i]);
                    case "--prompt-tokens" -> prompt = Integer.parseInt(args[++i]);
                    case "--train-length" -> trainLength = Integer.parseInt(args[++i]);
                    case "--max-pixels" -> maxPixels = Integer.parseInt(args[++i]);
                    case "--generations" -> generations = Integer.parseInt(args[++i]);
                    case "--score-rows" -> scoreRows = Integer.parseInt(args[++i]);
                    case "--score-length" -> scoreLength = Integer.parseInt(args[++i]);
                    case "--dtype" -> dtype = args[++i];
                    case "--set" -> {
                        String kv = args[++i];
                        int eq = kv.indexOf('=');
                        if (eq < 1) {
                            throw new IllegalArgumentException("--set takes KEY=VALUE, got " + kv);
                        }
                        overrides.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            return new Options(dir, keep, overrides, decode, prompt, train, trainLength, out, tokenizer, image,
                    maxPixels, force, generations, scoreRows, scoreLength, dtype);
        }

        /** The arguments that reproduce these options, for the measuring JVM. */
        List<String> args() {
            List<String> a = new ArrayList<>(List.of("--dir", dir.toString(), "--out", out.toString(), "--tokenizer",
                    tokenizer.toString(), "--image", image.toString(), "--decode-tokens", "" + decodeTokens,
                    "--prompt-tokens", "" + promptTokens, "--train-length", "" + trainLength,
                    "--max-pixels", "" + maxPixels, "--generations", "" + generations, "--score-rows", "" + scoreRows,
                    "--score-length", "" + scoreLength, "--dtype", dtype));
            overrides.forEach((k, v) -> a.addAll(List.of("--set", k + "=" + v)));
            if (train) {
                a.add("--train");
            }
            if (force) {
                a.add("--force");
            }
            return a;
        }
    }

    /**
     * Writes the checkpoint, then measures it in a fresh JVM; {@code --measure-only} measures in
     * this JVM (what the fresh JVM runs).
     *
     * @param args the options
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        List<String> list = new ArrayList<>(List.of(args));
        boolean measureOnly = list.remove("--measure-only");
        Options o = Options.parse(list.toArray(String[]::new));
        if (measureOnly) {
            Map<String, Object> report = measure(o);
            System.out.println(text(report));
            return;
        }
        // The measuring JVM's heap holds little (every tensor lives in libtorch): a fixed, pre-touched
        // 1 GiB keeps its share of the RSS known and constant.
        System.exit(run(o, List.of("-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch")));
    }

    /**
     * Writes the folder (unless kept) and runs the measurement in a child JVM on this class path.
     *
     * @param o the options
     * @param jvmOptions extra options of the child JVM (e.g. -Xmx)
     * @return the child's exit status
     * @throws Exception on failure
     */
    static int run(Options o, List<String> jvmOptions) throws Exception {
        long t0 = System.nanoTime();
        boolean written = writeCheckpoint(o);
        System.out.printf("checkpoint %s: %s (%.1f s)%n", o.dir(), written ? "written" : "kept",
                (System.nanoTime() - t0) / 1e9);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-Dai.djl.offline=true", "-Djava.awt.headless=true",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=error", "-cp", System.getProperty("java.class.path"),
                RealSizeBenchmark.class.getName(), "--measure-only"));
        command.addAll(o.args());
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        // A fixed mmap threshold (which also stops glibc raising it) returns every freed tensor above it
        // to the OS at once, so the RSS follows what the passes hold, not what the allocator kept.
        builder.environment().put("MALLOC_MMAP_THRESHOLD_", "131072");
        Process p = builder.start();
        if (!p.waitFor(4, TimeUnit.HOURS)) {
            p.destroyForcibly();
            return 2;
        }
        return p.exitValue();
    }

    /** The config JSON with the overrides applied. */
    static JsonObject config(Options o) {
        JsonObject root = JsonParser.parseString(KnownConfigs.QWEN2_VL_2B_INSTRUCT).getAsJsonObject();
        o.overrides().forEach((key, value) -> {
            JsonObject target = key.startsWith("vision_config.") ? root.getAsJsonObject("vision_config") : root;
            String name = key.startsWith("vision_config.") ? key.substring("vision_config.".length()) : key;
            if (name.equals("mrope_section")) {
                root.getAsJsonObject("rope_scaling").add(name, JsonParser.parseString(value));
            } else {
                target.add(name, JsonParser.parseString(value));
            }
        });
        return root;
    }

    /**
     * Writes config, tokenizer, preprocessor settings and random BF16 weights in two shards
     * (uniform, std 0.02; norms 1, biases 0), one tensor at a time.
     *
     * @return false when the folder already holds this config and --keep was given
     */
    static boolean writeCheckpoint(Options o) throws IOException {
        JsonObject json = config(o);
        Path configFile = o.dir().resolve(Checkpoints.CONFIG);
        if (o.keep() && Files.isRegularFile(configFile) && Files.isRegularFile(o.dir().resolve(Checkpoints.INDEX))
                && JsonParser.parseString(Files.readString(configFile)).equals(json)) {
            writeImageSettings(o);
            return false;
        }
        Checkpoints.deleteRecursively(o.dir());
        Files.createDirectories(o.dir());
        Files.writeString(configFile, new GsonBuilder().setPrettyPrinting().create().toJson(json) + "\n",
                StandardCharsets.UTF_8);
        ModelConfig config = ModelConfig.read(configFile);
        Map<String, SafeTensors.TensorInfo> layout = new LinkedHashMap<>();
        Map<String, io.mr1.models.ParamSpec> specs = new Qwen2VlModel(config).parameters();
        long bytes = 0;
        long largest = 0;
        for (var e : specs.entrySet()) {
            layout.put(e.getKey(), new SafeTensors.TensorInfo("BF16", e.getValue().shape()));
            bytes += 2 * e.getValue().size();
            largest = Math.max(largest, 2 * e.getValue().size());
        }
        SplittableRandom random = new SplittableRandom(2024);
        float half = (float) (0.02 * Math.sqrt(3)); // uniform with standard deviation 0.02
        // Two shards, as the hub's 2B folder has: with a limit L of (total + largest tensor) / 2, the first
        // shard closes above L - largest, so the rest (below total - L + largest = L) fits in the second.
        Checkpoints.writeWeights(o.dir(), layout, name -> {
            io.mr1.models.ParamSpec spec = specs.get(name);
            float[] v = new float[(int) spec.size()];
            switch (spec.init()) {
                case ONES -> java.util.Arrays.fill(v, 1f);
                case ZEROS -> { }
                default -> {
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) ((random.nextDouble() * 2 - 1) * half);
                    }
                }
            }
            return v;
        }, (bytes + largest) / 2 + 1);
        Files.copy(o.tokenizer().resolve("tokenizer.json"), o.dir().resolve("tokenizer.json"));
        Files.copy(o.tokenizer().resolve("tokenizer_config.json"), o.dir().resolve("tokenizer_config.json"));
        Files.writeString(o.dir().resolve("generation_config.json"),
                "{\"bos_token_id\": 151643, \"eos_token_id\": [151645, 151643], \"pad_token_id\": 151643}\n");
        writeImageSettings(o);
        return true;
    }

    /** preprocessor_config.json: Qwen2-VL's processor settings with the run's max_pixels. */
    private static void writeImageSettings(Options o) throws IOException {
        Files.writeString(o.dir().resolve(ImageProcessorConfig.FILE), "{\"min_pixels\": 3136, \"max_pixels\": "
                + o.maxPixels() + ", \"patch_size\": 14, \"temporal_patch_size\": 2, \"merge_size\": 2,"
                + " \"image_mean\": [0.48145466, 0.4578275, 0.40821073],"
                + " \"image_std\": [0.26862954, 0.26130258, 0.27577711]}\n");
    }

    /** VmHWM or VmRSS of /proc/self/status in bytes. */
    static long status(String key) {
        String v = Host.procField("/proc/self/status", key);
        return v == null ? -1 : Long.parseLong(v.replace("kB", "").trim()) * 1024;
    }

    /** A question of exactly n tokens (the counting question, repeated and cut). */
    private static String question(Policy policy, int n) {
        String base = "How many items are there in the image? Count every object, large and small, metal and rubber. ";
        StringBuilder words = new StringBuilder();
        List<String> pool = new ArrayList<>();
        while (pool.size() < 4 * n) {
            pool.addAll(List.of(base.trim().split(" ")));
        }
        String best = "";
        for (String w : pool) {
            String next = words.length() == 0 ? w : words + " " + w;
            if (policy.encodeTarget("q", next).length() - 1 > n) { // minus <|im_end|>
                break;
            }
            words.setLength(0);
            words.append(next);
            best = next;
        }
        return best;
    }

    /**
     * Loads the folder and measures (in this JVM).
     *
     * @param o the options
     * @return the report, also written to {@code o.out()}
     * @throws Exception on failure
     */
    static Map<String, Object> measure(Options o) throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        ModelSummary summary = ModelSummary.read(o.dir());
        ModelConfig c = summary.config();
        r.put("checkpoint", o.dir().toAbsolutePath().normalize().toString());
        r.put("files", summary.files());
        r.put("parameters", summary.parameters());
        r.put("dtype", o.dtype());
        r.put("bytesOnDisk", summary.tensors().values().stream().mapToLong(SafeTensors.TensorInfo::bytes).sum());
        r.put("config", Map.of("layers", c.numHiddenLayers(), "hidden", c.hiddenSize(), "vocab", c.vocabSize(),
                "visionDepth", c.visionConfig().depth(), "visionWidth", c.visionConfig().embedDim()));
        // Doctor's prediction first: a run that cannot fit would only get the process killed.
        ImageProcessorConfig imageSettings = ImageProcessorConfig.read(o.dir(), c.visionConfig());
        int[] size = ImageProcessor.smartResize(480, 640, imageSettings.factor(), imageSettings.minPixels(),
                imageSettings.maxPixels());
        int patchCount = (size[0] / imageSettings.patchSize()) * (size[1] / imageSettings.patchSize());
        int expectedPrompt = o.promptTokens() + patchCount / 4 + 30;
        // Weights, reference and the passes' activations in the run's dtype (MemoryEstimate: bfloat16
        // activations at 2 B, its float32 softmax and log-softmax copies at 4 B).
        int weightBytes = MemoryEstimate.bytesPerWeight(o.dtype());
        MemoryEstimate predicted = MemoryEstimate.of(c, summary.parameters(), weightBytes, 1, o.generations(), o.generations(),
                expectedPrompt, o.decodeTokens(), patchCount);
        long largestPass = Math.max(predicted.sampling(), MemoryEstimate.of(c, summary.parameters(), weightBytes, 1, o.scoreRows(),
                o.scoreRows(), expectedPrompt, o.scoreLength(), patchCount).scoring());
        long need = predicted.weights() + predicted.reference() + largestPass;
        String available = Host.procField("/proc/meminfo", "MemAvailable");
        long availableBytes = available == null ? Long.MAX_VALUE
                : Long.parseLong(available.replace("kB", "").trim()) * 1024;
        System.out.printf("doctor: weights + reference %.2f GiB, the largest pass (image encoding, decoding or scoring)"
                + " %.2f GiB (%d patches); %.2f GiB available%n", (predicted.weights() + predicted.reference()) / GIB,
                largestPass / GIB, patchCount, availableBytes / GIB);
        if (need > availableBytes && !o.force()) {
            throw new IllegalStateException(String.format("doctor predicts %.2f GiB, more than the %.2f GiB available:"
                    + " lower --max-pixels (100352: 468 patches) or pass --force", need / GIB, availableBytes / GIB));
        }
        TorchBackend backend = new TorchBackend();
        String smoke = backend.smokeTest(); // loads libtorch, so the baseline includes it
        if (smoke != null) {
            throw new IllegalStateException(smoke);
        }
        System.gc();
        long baseline = status("VmRSS");
        r.put("rssBeforeLoadBytes", baseline);
        long t0 = System.nanoTime();
        try (Policy policy = backend.load(o.dir(), o.dir(), "cpu", o.dtype(), o.dtype())) {
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            long afterLoad = status("VmRSS");
            long hwmLoad = status("VmHWM");
            r.put("loadSeconds", loadSeconds);
            r.put("rssAfterLoadBytes", afterLoad);
            r.put("peakRssDuringLoadBytes", hwmLoad);
            System.out.printf("loaded in %.1f s: RSS %.2f -> %.2f GiB, peak %.2f GiB%n", loadSeconds, baseline / GIB,
                    afterLoad / GIB, hwmLoad / GIB);

            ImageProcessorConfig images = ImageProcessorConfig.read(o.dir(), c.visionConfig());
            int[] hw = ImageProcessor.smartResize(480, 640, images.factor(), images.minPixels(), images.maxPixels());
            int patches = (hw[0] / images.patchSize()) * (hw[1] / images.patchSize());
            String q = question(policy, o.promptTokens());
            Prompt prompt = new Prompt("bench", q, List.of(new ImageRef(o.image().toAbsolutePath())));
            Completion answer = policy.encodeTarget("bench", "<answer> 7 </answer>");
            // The chat template's system turn and markers add about 30 tokens to the question and image.
            int promptTokens = o.promptTokens() + patches / 4 + 30;
            long params = summary.parameters();
            policy.logProbs(List.of(prompt), List.of(answer)); // warm-up: image processing, first allocations
            Pass forward = Pass.measure(() -> policy.logProbs(List.of(prompt), List.of(answer)));
            double forwardSeconds = forward.seconds();
            r.put("imagePatches", patches);
            r.put("imageTokens", patches / 4);
            r.put("questionTokens", policy.encodeTarget("q", q).length() - 1);
            r.put("forwardSeconds", forwardSeconds);
            System.out.printf("forward: %.2f s%n", forwardSeconds);
            Map<String, Object> passes = new LinkedHashMap<>();
            passes.put("forward", forward.report(MemoryEstimate.of(c, params, weightBytes, 1, 1, 1, promptTokens,
                    answer.length(), patches).scoring()));

            // Decoding one token and N tokens: both include the same prefill, so their difference is
            // N - 1 tokens decoded with the KV cache.
            int g = o.generations();
            Pass prefill = Pass.measure(() -> policy.sample(List.of(prompt), new SamplingParams(g, 0.0, 1.0, 0, 1, 1)));
            double prefillSeconds = prefill.seconds();
            Completion[] greedy = new Completion[1];
            Pass decode = Pass.measure(() -> greedy[0] = policy.sample(List.of(prompt),
                    new SamplingParams(g, 0.0, 1.0, 0, o.decodeTokens(), 1)).get(0).get(0));
            double decodeSeconds = decode.seconds();
            r.put("generations", g);
            r.put("decodedTokens", greedy[0].length());
            r.put("prefillAndFirstTokenSeconds", prefillSeconds);
            r.put("decodeSecondsWithPrefill", decodeSeconds);
            double perToken = Math.max(1e-9, decodeSeconds - prefillSeconds) / Math.max(1, greedy[0].length() - 1);
            r.put("decodeTokensPerSecond", g / perToken);
            r.put("rssAfterDecodeBytes", status("VmRSS"));
            System.out.printf("decoded %d x %d tokens in %.2f s%n", g, greedy[0].length(), decodeSeconds);
            passes.put("decode", decode.report(MemoryEstimate.of(c, params, weightBytes, 1, g, g, promptTokens,
                    o.decodeTokens(), patches).sampling()));

            // Scoring R completions of C tokens (pi_old or the reference in a GRPO-D step).
            List<Completion> scored = new ArrayList<>();
            List<Prompt> scoredPrompts = new ArrayList<>();
            for (int row = 0; row < o.scoreRows(); row++) {
                int[] ids = new int[o.scoreLength()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = 1000 + (i * 37 + row * 11) % 50_000;
                }
                scored.add(new Completion("bench", row, "", ids, new float[ids.length], false));
                scoredPrompts.add(prompt);
            }
            Pass scoring = Pass.measure(() -> policy.referenceLogProbs(scoredPrompts, scored));
            r.put("scoringSeconds", scoring.seconds());
            passes.put("scoring", scoring.report(MemoryEstimate.of(c, params, weightBytes, 1, o.scoreRows(), o.scoreRows(),
                    promptTokens, o.scoreLength(), patches).scoring()));
            r.put("passes", passes);
            System.out.printf("scored %d x %d tokens in %.2f s%n", o.scoreRows(), o.scoreLength(), scoring.seconds());

            int length = promptTokens + o.decodeTokens();
            MemoryEstimate inference = MemoryEstimate.of(c, params, weightBytes, 1, g, g, promptTokens, o.decodeTokens(),
                    patches);
            Map<String, Object> doctor = new LinkedHashMap<>();
            doctor.put("weightsBytes", inference.weights());
            doctor.put("referenceBytes", inference.reference());
            doctor.put("weightsPlusReferenceBytes", inference.weights() + inference.reference());
            doctor.put("kvCacheBytes", inference.kvCache());
            doctor.put("prefillAndDecodingBytes", inference.promptLogits());
            doctor.put("promptImageBytes", inference.promptVision());
            doctor.put("samplingBytes", inference.sampling());
            doctor.put("rowLength", length);
            r.put("doctor", doctor);
            r.put("measuredLoadGrowthBytes", afterLoad - baseline);
            r.put("loadGrowthOverDoctor", (afterLoad - baseline) / (double) (inference.weights() + inference.reference()));
            long passPeak = passes.values().stream().mapToLong(v -> (Long) ((Map<?, ?>) v).get("peakGrowthBytes"))
                    .max().orElse(0);
            long doctorPassPeak = passes.values().stream()
                    .mapToLong(v -> (Long) ((Map<?, ?>) v).get("doctorBytes")).max().orElse(0);
            r.put("peakBeforeTrainingBytes", afterLoad + passPeak);
            r.put("peakGrowthOverDoctor", (afterLoad - baseline + passPeak)
                    / (double) (inference.weights() + inference.reference() + doctorPassPeak));

            if (o.train()) {
                r.put("train", trainStep(policy, prompt, c, summary.parameters(), patches, o.trainLength(), o.dtype()));
            }
            r.put("peakRssBytes", status("VmHWM"));
        }
        Files.createDirectories(o.out().toAbsolutePath().getParent());
        Files.writeString(o.out(), new GsonBuilder().setPrettyPrinting().create().toJson(r) + "\n");
        return r;
    }

    /** Resets VmHWM to the current RSS (Linux 4.0+), so the next read is the peak of what follows. */
    static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * One measured pass: its time and the RSS it added at its peak, from the RSS before it
     * (after a GC) to VmHWM reset just before it.
     */
    record Pass(double seconds, long before, long peak, boolean peakReset) {

        static Pass measure(Runnable pass) {
            System.gc();
            long before = status("VmRSS");
            boolean reset = resetPeak();
            long t0 = System.nanoTime();
            pass.run();
            double seconds = (System.nanoTime() - t0) / 1e9;
            return new Pass(seconds, before, status("VmHWM"), reset);
        }

        /** @return the figures beside doctor's estimate of the pass */
        Map<String, Object> report(long doctorBytes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seconds", seconds);
            m.put("rssBeforeBytes", before);
            m.put("peakGrowthBytes", peak - before);
            m.put("peakReset", peakReset);
            m.put("doctorBytes", doctorBytes);
            m.put("measuredOverDoctor", (peak - before) / (double) doctorBytes);
            return m;
        }
    }

    /**
     * One GRPO-D step on 2 completions of {@code length} tokens for one image prompt; the RSS it
     * adds (peak minus before) against doctor's gradients + AdamW moments + training activations.
     */
    private static Map<String, Object> trainStep(Policy policy, Prompt prompt, ModelConfig c, long parameters,
                                                 int patches, int length, String dtype) {
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            ids[i] = 1000 + (i * 37) % 50_000;
        }
        List<Completion> completions = List.of(new Completion("bench", 0, "", ids, new float[length], false),
                new Completion("bench", 1, "", ids.clone(), new float[length], false));
        List<Prompt> prompts = List.of(prompt, prompt);
        List<float[]> ref = policy.referenceLogProbs(prompts, completions);
        System.gc();
        long before = status("VmRSS");
        // VmHWM cannot be reset from Java: sample the RSS while the step runs instead.
        long[] peak = {before};
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak[0] = Math.max(peak[0], status("VmRSS"));
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        long t0 = System.nanoTime();
        policy.step(new TrainingBatch(prompts, completions, new double[] {1, -1}, List.of(), ref),
                new PolicyLoss.Grpo(0.04, 0.2, 0.2, PolicyLoss.KlEstimator.K3, PolicyLoss.Aggregation.SEQUENCE_MEAN, 2),
                new OptimizerSettings(1e-6, 0.0, 0.9, 0.999, 1e-8, 1.0, 0, 1, OptimizerSettings.Decay.CONSTANT), 0);
        double seconds = (System.nanoTime() - t0) / 1e9;
        sampler.interrupt();
        peak[0] = Math.max(peak[0], status("VmRSS"));
        int promptTokens = patches / 4 + 100;
        MemoryEstimate m = MemoryEstimate.of(c, parameters, MemoryEstimate.bytesPerWeight(dtype), 1, 2, 2, promptTokens,
                length, patches);
        // Gradients and optimiser state as the dtype holds them (bfloat16: float32 masters beside the moments).
        MemoryEstimate held = MemoryEstimate.of(c, parameters, dtype, dtype, 1, 2, 2, promptTokens + length, patches);
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("completionTokens", length);
        t.put("rows", 2);
        t.put("stepSeconds", seconds);
        t.put("measuredGrowthBytes", peak[0] - before);
        t.put("doctorGradientsPlusMomentsBytes", held.gradients() + held.adamMoments());
        t.put("doctorActivationsBytes", m.training());
        t.put("measuredActivationBytes", peak[0] - before - m.gradients() - m.adamMoments());
        t.put("activationsMeasuredOverDoctor",
                (peak[0] - before - m.gradients() - m.adamMoments()) / (double) m.training());
        return t;
    }

    /** The report as a few lines. */
    static String text(Map<String, Object> r) {
        @SuppressWarnings("unchecked")
        Map<String, Object> d = (Map<String, Object>) r.get("doctor");
        StringBuilder s = new StringBuilder();
        s.append(String.format("parameters          %,d in %s (%.2f GiB on disk, BF16)%n", (Long) r.get("parameters"),
                r.get("files"), (Long) r.get("bytesOnDisk") / GIB));
        s.append(String.format("load                %.1f s; RSS %.2f GiB before, %.2f GiB after (+%.2f GiB),"
                        + " peak during load %.2f GiB%n", (Double) r.get("loadSeconds"),
                (Long) r.get("rssBeforeLoadBytes") / GIB, (Long) r.get("rssAfterLoadBytes") / GIB,
                (Long) r.get("measuredLoadGrowthBytes") / GIB, (Long) r.get("peakRssDuringLoadBytes") / GIB));
        s.append(String.format("doctor predicts     %.2f GiB for the " + r.getOrDefault("dtype", "float32") + " weights + frozen reference"
                        + " (measured growth / predicted = %.3f)%n", (Long) d.get("weightsPlusReferenceBytes") / GIB,
                (Double) r.get("loadGrowthOverDoctor")));
        s.append(String.format("forward             %.2f s for one 640x480 image (%d image tokens) + %d question tokens%n",
                (Double) r.get("forwardSeconds"), (Integer) r.get("imageTokens"), (Integer) r.get("questionTokens")));
        s.append(String.format("greedy decoding     %d row(s) x %d tokens, %.2f tokens/s with the KV cache (%.2f s in"
                        + " all; the prefill and first token alone %.2f s)%n", (Integer) r.get("generations"),
                (Integer) r.get("decodedTokens"),
                (Double) r.get("decodeTokensPerSecond"), (Double) r.get("decodeSecondsWithPrefill"),
                (Double) r.get("prefillAndFirstTokenSeconds")));
        @SuppressWarnings("unchecked")
        Map<String, Object> passes = (Map<String, Object>) r.get("passes");
        for (Map.Entry<String, Object> e : passes.entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> pass = (Map<String, Object>) e.getValue();
            s.append(String.format("%-19s peak RSS +%.3f GiB over the RSS before it; doctor %.3f GiB (measured /"
                            + " doctor = %.3f)%n", e.getKey() + " pass", (Long) pass.get("peakGrowthBytes") / GIB,
                    (Long) pass.get("doctorBytes") / GIB, (Double) pass.get("measuredOverDoctor")));
        }
        s.append(String.format("peak RSS            %.2f GiB through load, forward, decoding and scoring; doctor:"
                + " weights + reference + the largest pass = %.2f GiB above the baseline (measured growth /"
                + " predicted = %.3f)%n", (Long) r.get("peakBeforeTrainingBytes") / GIB,
                ((Long) r.get("peakBeforeTrainingBytes") - (Long) r.get("rssBeforeLoadBytes"))
                        / (Double) r.get("peakGrowthOverDoctor") / GIB,
                (Double) r.get("peakGrowthOverDoctor")));
        if (r.containsKey("train")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> t = (Map<String, Object>) r.get("train");
            s.append(String.format("GRPO-D step         %.1f s, 2 rows x %d tokens: RSS +%.2f GiB; doctor: gradients +"
                            + " moments %.2f GiB, activations %.2f GiB; measured activations / doctor's = %.2f%n",
                    (Double) t.get("stepSeconds"), (Integer) t.get("completionTokens"),
                    (Long) t.get("measuredGrowthBytes") / GIB, (Long) t.get("doctorGradientsPlusMomentsBytes") / GIB,
                    (Long) t.get("doctorActivationsBytes") / GIB, (Double) t.get("activationsMeasuredOverDoctor")));
            s.append(String.format("peak RSS (VmHWM)    %.2f GiB after the training step%n", (Long) r.get("peakRssBytes") / GIB));
        }
        return s.toString();
    }
}
