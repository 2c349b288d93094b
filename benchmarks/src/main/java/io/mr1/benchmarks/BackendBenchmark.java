package io.mr1.benchmarks;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.backend.StepResult;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import io.mr1.backend.pytorch.TorchBackend;
import io.mr1.models.Checkpoints;
import io.mr1.models.SafeTensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The backend benchmark: first the RSS over a long training loop of the tiny model, then for
 * each model size sampled tokens per second, GRPO-D training steps per second with a
 * model-FLOPs-utilisation estimate, and the ratio of mr1's training step to the same step
 * written directly on DJL NDArrays (interleaved, after checking that both compute the same
 * log-probs, loss and gradient norm). Its anchors are measured in the same run: the float32 GEMM
 * ceiling on one and on all libtorch threads (the MFU's denominator), a PyTorch-eager peer in Python
 * on the same checkpoints ({@link TorchPeer}, timed interleaved with mr1), and the same step and
 * sampling on the TensorFlow backend. On request ({@code --sections profile}) it profiles one steady-state
 * training step op by op on mr1 and on the peer ({@link OpProfile}). Prints a report and writes it as JSON.
 *
 * <p>Usage: {@code BackendBenchmark [--quick] [--models tiny,30m] [--sections
 * memory,sampling,training,overhead,pytorch,tensorflow,profile] [--memory-steps N] [--memory-every N]
 * [--memory-model tiny] [--max-rss-growth 0.15] [--quiet-wait SECONDS] [--threads N]
 * [--gemm-size 2048] [--torch-python PATH] [--torch-spec PIP-SPEC] [--out target/benchmark-report.json]}.
 * Exit status 0 when every check passed, 1 when the memory check failed, 2 on an error
 * (including the two paths disagreeing).
 */
public final class BackendBenchmark {

    /** Relative tolerance of the loss agreement between the mr1 and the plain path. */
    static final double LOSS_TOLERANCE = 1e-4;

    static final PolicyLoss.Grpo LOSS = new PolicyLoss.Grpo(0.04, 0.2, 0.2, PolicyLoss.KlEstimator.K3,
            PolicyLoss.Aggregation.SEQUENCE_MEAN, 64);

    static final OptimizerSettings ADAM = new OptimizerSettings(1e-5, 0.01, 0.9, 0.999, 1e-8, 1.0, 0, 100_000,
            OptimizerSettings.Decay.CONSTANT);

    static final int PROMPTS = 2;
    static final int PROMPT_WORDS = 15; // + 5 chat-template tokens = 20 prompt tokens
    static final int GROUP = 8;
    static final int NEW_TOKENS = 64;

    /**
     * What to run.
     *
     * @param quick fewer repetitions and a shorter memory loop
     * @param models model sizes (tiny, 30m, micro)
     * @param sections sampling, training, overhead, memory
     * @param memoryModel the model of the memory loop
     * @param memorySteps steps of the memory loop
     * @param memoryEvery RSS sampling interval in steps
     * @param maxRssGrowth allowed relative RSS growth from the first sample to the end
     * @param quietWait before each section, wait up to this many seconds for other processes to leave the CPUs
     * @param threads libtorch intra-op threads (0: libtorch's default, one per core)
     * @param out the JSON report file
     * @param gemmSize side of the square float32 matrices of the GEMM ceiling
     * @param torchPython the interpreter of the PyTorch peer, or null to find or set one up
     * @param torchSpec what pip installs into the peer's venv, or null to choose (see {@link TorchPeer})
     */
    public record Options(boolean quick, List<String> models, Set<String> sections, String memoryModel,
                          int memorySteps, int memoryEvery, double maxRssGrowth, double quietWait, int threads,
                          Path out, int gemmSize, String torchPython, String torchSpec) {

        /** The default sections; memory runs first, in a process that has not yet held the larger model. */
        public static final List<String> SECTIONS = List.of("memory", "sampling", "training", "overhead", "pytorch",
                "tensorflow");

        /** Every section: the defaults and {@code profile} (one op-by-op profiled step per side; asked for by name). */
        public static final List<String> ALL_SECTIONS = List.of("memory", "sampling", "training", "overhead",
                "pytorch", "tensorflow", "profile");

        /**
         * Parses the command line.
         *
         * @param args arguments (blank ones are ignored, so an empty exec.args is fine)
         * @return the options
         */
        public static Options parse(String... args) {
            boolean quick = false;
            List<String> models = List.of("tiny", "30m");
            Set<String> sections = new LinkedHashSet<>(SECTIONS);
            String memoryModel = "tiny";
            Integer memorySteps = null;
            int memoryEvery = 100;
            double maxGrowth = 0.15;
            double quietWait = 0;
            int threads = 0;
            Path out = Path.of("target", "benchmark-report.json");
            int gemmSize = 2048;
            String torchPython = null;
            String torchSpec = null;
            List<String> list = new ArrayList<>();
            for (String a : args) {
                list.addAll(Arrays.asList(a.trim().split("\\s+")));
            }
            list.removeIf(String::isEmpty);
            for (int i = 0; i < list.size(); i++) {
                String a = list.get(i);
                switch (a) {
                    case "--quick" -> quick = true;
                    case "--models" -> models = List.of(value(list, ++i, a).split(","));
                    case "--sections" -> {
                        sections = new LinkedHashSet<>(List.of(value(list, ++i, a).split(",")));
                        if (!ALL_SECTIONS.containsAll(sections)) {
                            throw new IllegalArgumentException("--sections: valid names are " + ALL_SECTIONS);
                        }
                    }
                    case "--memory-model" -> memoryModel = value(list, ++i, a);
                    case "--memory-steps" -> memorySteps = Integer.parseInt(value(list, ++i, a));
                    case "--memory-every" -> memoryEvery = Integer.parseInt(value(list, ++i, a));
                    case "--max-rss-growth" -> maxGrowth = Double.parseDouble(value(list, ++i, a));
                    case "--quiet-wait" -> quietWait = Double.parseDouble(value(list, ++i, a));
                    case "--threads" -> threads = Integer.parseInt(value(list, ++i, a));
                    case "--out" -> out = Path.of(value(list, ++i, a));
                    case "--gemm-size" -> gemmSize = Integer.parseInt(value(list, ++i, a));
                    case "--torch-python" -> torchPython = value(list, ++i, a);
                    case "--torch-spec" -> torchSpec = value(list, ++i, a);
                    case "--help", "-h" -> throw new IllegalArgumentException("usage");
                    default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
                }
            }
            models.forEach(Fixtures::spec);
            Fixtures.spec(memoryModel);
            int steps = memorySteps != null ? memorySteps : quick ? 300 : 1000;
            if (memoryEvery < 1 || steps < memoryEvery) {
                throw new IllegalArgumentException("--memory-steps must be at least --memory-every (" + memoryEvery + ")");
            }
            if (gemmSize < 16) {
                throw new IllegalArgumentException("--gemm-size must be at least 16");
            }
            return new Options(quick, models, sections, memoryModel, steps, memoryEvery, maxGrowth, quietWait, threads,
                    out, gemmSize, torchPython, torchSpec);
        }

        private static String value(List<String> args, int i, String name) {
            if (i >= args.size()) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            return args.get(i);
        }
    }

    /** Repetitions for one model: large models get fewer so the full run stays in minutes. */
    record Plan(int sampleWarmup, int sampleReps, int trainWarmup, int trainSteps, int oneThreadSteps,
                int overheadPairs, boolean rerunContended) {
        static Plan of(long parameters, boolean quick) {
            if (parameters < 100_000) {
                // the smoke test's micro model: only proves the harness works, so a contended repetition is kept
                return new Plan(0, 1, 1, 2, 1, 2, false);
            }
            boolean large = parameters > 10_000_000;
            if (quick) {
                return large ? new Plan(1, 1, 1, 2, 1, 2, true) : new Plan(1, 2, 2, 5, 3, 5, true);
            }
            return large ? new Plan(1, 3, 2, 6, 3, 8, true) : new Plan(2, 5, 3, 20, 10, 20, true);
        }
    }

    private final Options options;
    private final TorchBackend backend = new TorchBackend();
    private final Map<String, Object> report = new LinkedHashMap<>();
    private final Path work;
    private final Map<String, Fixtures.Model> created = new LinkedHashMap<>();
    private double maxOtherShare;
    /** Whether {@link #repeat} runs a contended repetition again (not for the smoke test's micro model). */
    private boolean rerunContended = true;
    /** Measured float32 GEMM ceilings by libtorch thread count. */
    private final Map<Integer, Double> ceilings = new java.util.TreeMap<>();
    /** The PyTorch peer, started by the first pytorch section; null before or when unavailable. */
    private TorchPeer peer;
    private String peerUnavailable;
    /** mr1 seconds / PyTorch seconds per key (train_30m, sample_tiny, ...), filled by the pytorch sections. */
    private final Map<String, Object> vsPytorch = new LinkedHashMap<>();

    private BackendBenchmark(Options options, Path work) {
        this.options = options;
        this.work = work;
    }

    /**
     * Command-line entry point.
     *
     * @param args see the class documentation
     */
    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            boolean help = e.getMessage().equals("usage");
            if (!help) {
                System.err.println("error: " + e.getMessage());
            }
            System.err.println("usage: BackendBenchmark [--quick] [--models tiny,30m] [--sections "
                    + String.join(",", Options.SECTIONS) + "(,profile)] [--memory-steps N] [--memory-every N] "
                    + "[--memory-model tiny] [--max-rss-growth 0.15] [--quiet-wait SECONDS] [--threads N] [--gemm-size 2048] "
                    + "[--torch-python PATH] [--torch-spec PIP-SPEC] [--out target/benchmark-report.json]");
            System.exit(help ? 0 : 2);
            return;
        }
        int status;
        try {
            status = run(options).get("passed") == Boolean.TRUE ? 0 : 1;
        } catch (Exception | AssertionError e) {
            e.printStackTrace();
            status = 2;
        }
        System.exit(status);
    }

    /**
     * Runs the benchmark and writes the JSON report (also when a check fails).
     *
     * @param options what to run
     * @return the report; key {@code passed} says whether every check held
     * @throws Exception when the engine fails or the two paths disagree
     */
    public static Map<String, Object> run(Options options) throws Exception {
        Path work = Files.createTempDirectory("mr1-bench");
        BackendBenchmark bench = new BackendBenchmark(options, work);
        try {
            bench.runAll();
            return bench.report;
        } catch (Exception | AssertionError e) {
            bench.report.put("error", e.toString());
            bench.report.put("passed", false);
            throw e;
        } finally {
            if (bench.peer != null) {
                bench.peer.close();
            }
            bench.writeJson();
            Checkpoints.deleteRecursively(work);
        }
    }

    // ---- orchestration ----

    private void runAll() throws Exception {
        long started = System.nanoTime();
        report.put("mode", options.quick() ? "quick" : "full");
        report.put("machine", machine(options.threads()));
        print("mr1 backend benchmark (%s run)", options.quick() ? "quick" : "full");
        Map<String, Object> m = section("machine");
        print("machine: %s cores, %s, %s MiB; Java %s (%s); DJL %s, PyTorch %s (%s intra-op threads; OpenMP %s); "
                        + "load average %s", m.get("nproc"), m.get("cpu"), m.get("memTotalMiB"), m.get("java"), m.get("jvm"),
                m.get("djl"), m.get("pytorch"), m.get("torchThreads"), m.get("openmpEnvironment"), m.get("loadAverage"));
        measureCeilings();
        Map<String, Object> models = new LinkedHashMap<>();
        report.put("models", models);
        boolean passed = true;
        if (options.sections().contains("memory")) {
            Map<String, Object> memory = timed(() -> memory(model(options.memoryModel(), false),
                    model(options.memoryModel(), true)));
            report.put("memory", memory);
            passed = memory.get("passed") == Boolean.TRUE;
        }
        for (String name : options.models()) {
            Fixtures.Model model = model(name, false);
            Fixtures.Model reference = model(name, true);
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("parameters", model.parameterCount());
            info.put("decoderParameters", model.decoderParameterCount());
            info.put("vocabulary", model.config().vocabSize());
            info.put("hidden", model.config().hiddenSize());
            info.put("layers", model.config().numHiddenLayers());
            info.put("heads", model.config().numAttentionHeads());
            info.put("kvHeads", model.config().numKeyValueHeads());
            info.put("intermediate", model.config().intermediateSize());
            info.put("visionDepth", model.config().visionConfig().depth());
            info.put("visionWidth", model.config().visionConfig().embedDim());
            models.put(name, info);
            print("%nmodel %s: %.2f M parameters (text path %.2f M): vocab %d, hidden %d, %d layers, %d/%d heads, "
                    + "intermediate %d, vision depth %d width %d", name, model.parameterCount() / 1e6,
                    model.decoderParameterCount() / 1e6, model.config().vocabSize(), model.config().hiddenSize(),
                    model.config().numHiddenLayers(), model.config().numAttentionHeads(),
                    model.config().numKeyValueHeads(), model.config().intermediateSize(),
                    model.config().visionConfig().depth(), model.config().visionConfig().embedDim());
            Plan plan = Plan.of(model.parameterCount(), options.quick());
            rerunContended = plan.rerunContended();
            if (options.sections().contains("sampling")) {
                section("sampling").put(name, timed(() -> sampling(model, reference, plan)));
            }
            if (options.sections().contains("training")) {
                section("training").put(name, timed(() -> training(model, reference, plan)));
            }
            if (options.sections().contains("overhead")) {
                section("overhead").put(name, timed(() -> overhead(model, reference, plan)));
            }
            if (options.sections().contains("pytorch")) {
                section("pytorch").put(name, timed(() -> pytorch(name, model, reference, plan)));
                summarisePeer(); // now, so a later failure keeps the ratios measured so far
            }
            if (options.sections().contains("tensorflow")) {
                section("tensorflow").put(name, timed(() -> tensorflow(model, reference, plan)));
            }
            if (options.sections().contains("profile")) {
                report.put("profile_" + name, timed(() -> profile(name, model, reference, plan)));
            }
        }

        report.put("maxOtherProcessesShare", round(maxOtherShare, 3));
        report.put("loadAverageAtEnd", Host.loadAverage());
        if (maxOtherShare > 0.10) {
            print("%nWARNING: other processes used up to %.0f%% of the CPUs during a section (see each section's "
                    + "\"cpu\"); the figures of a shared machine are pessimistic and noisy", 100 * maxOtherShare);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        report.put("wallSeconds", round(seconds, 1));
        report.put("passed", passed);
        print("%nwall time %.0f s; %s; report: %s", seconds, passed ? "all checks passed" : "MEMORY CHECK FAILED",
                options.out().toAbsolutePath());
    }

    /** A section's work, returning its report entry. */
    private interface Section {
        Map<String, Object> run() throws Exception;
    }

    /** Runs a section after waiting for a quiet machine, recording how much CPU others took meanwhile. */
    private Map<String, Object> timed(Section section) throws Exception {
        double waited = options.quietWait() > 0 ? Host.waitForQuiet(options.quietWait()) : 0;
        Host.CpuSnapshot start = Host.CpuSnapshot.now();
        Map<String, Object> result = section.run();
        Map<String, Object> cpu = start.elapsed();
        cpu.put("quietWaitSeconds", round(waited, 1));
        result.put("cpu", cpu);
        maxOtherShare = Math.max(maxOtherShare, (Double) cpu.get("otherProcessesShare"));
        return result;
    }

    /** The model folder of a size (seed 1) or its reference (seed 2), created on first use. */
    private Fixtures.Model model(String name, boolean reference) throws IOException {
        String key = reference ? name + "-ref" : name;
        Fixtures.Model model = created.get(key);
        if (model == null) {
            model = Fixtures.create(work.resolve(key), Fixtures.spec(name), reference ? 2 : 1);
            created.put(key, model);
        }
        return model;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> section(String name) {
        return (Map<String, Object>) report.computeIfAbsent(name, k -> new LinkedHashMap<String, Object>());
    }

    private static Map<String, Object> machine(int threads) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nproc", Runtime.getRuntime().availableProcessors());
        m.put("loadAverage", Host.loadAverage());
        m.put("cpu", Host.cpuModel());
        m.put("memTotalMiB", Host.memTotalMiB());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.runtime.version"));
        m.put("jvm", System.getProperty("java.vm.name"));
        m.put("jvmArguments", Host.jvmArguments());
        // libgomp's settings as libtorch read them when it loaded (bin/mr1 and the pom set them)
        Map<String, String> openmp = new LinkedHashMap<>();
        for (String key : List.of("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME")) {
            openmp.put(key, System.getenv(key));
        }
        m.put("openmpEnvironment", openmp);
        Engine engine = Engine.getEngine("PyTorch");
        if (threads > 0) {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        }
        m.put("djl", Engine.getDjlVersion());
        m.put("pytorch", engine.getVersion());
        m.put("torchThreads", ai.djl.pytorch.jni.JniUtils.getNumThreads());
        m.put("device", "cpu");
        // which build of mr1 was measured: the jars (or class folders) the classes came from
        Map<String, Object> jars = new LinkedHashMap<>();
        for (Class<?> c : List.of(TorchBackend.class, io.mr1.models.Qwen2VlModel.class,
                io.mr1.objective.GrpoLoss.class, io.mr1.tensor.Tensor.class)) {
            jars.put(c.getSimpleName(), Host.provenance(c));
        }
        m.put("mr1Classes", jars);
        return m;
    }

    // ---- 1. sampling ----

    private Map<String, Object> sampling(Fixtures.Model model, Fixtures.Model reference, Plan plan) throws Exception {
        List<Prompt> prompts = Fixtures.prompts(PROMPTS, PROMPT_WORDS, model.config().vocabSize(), 5);
        int[] promptTokens = Fixtures.tokenize(model, prompts).stream().mapToInt(a -> a.length).toArray();
        Reps reps;
        try (Policy policy = backend.load(model.dir(), reference.dir(), "cpu")) {
            for (int w = 0; w < plan.sampleWarmup(); w++) {
                policy.sample(prompts, new SamplingParams(GROUP, 1.0, 1.0, 0, NEW_TOKENS, 100 + w));
            }
            reps = repeat(plan.sampleReps(), i -> {
                SamplingParams params = new SamplingParams(GROUP, 1.0, 1.0, 0, NEW_TOKENS, 1000 + i);
                long t0 = System.nanoTime();
                List<List<Completion>> out = policy.sample(prompts, params);
                double dt = (System.nanoTime() - t0) / 1e9;
                int count = 0;
                int eos = 0;
                for (List<Completion> group : out) {
                    for (Completion c : group) {
                        count += c.length();
                        eos += c.endedWithEos() ? 1 : 0;
                    }
                }
                return new double[] {dt, count, eos};
            });
        }
        List<Double> seconds = reps.column(0);
        List<Integer> tokens = reps.column(1).stream().map(Double::intValue).toList();
        List<Double> rates = reps.used().stream().map(v -> v[1] / v[0]).toList();
        int endedWithEos = reps.column(2).stream().mapToInt(Double::intValue).sum();
        double rate = median(rates);
        // The token draw runs on the engine (TensorEngine.drawTokens, in libtorch here): its share of a
        // call is FusedComparison's 'sample' setting against the host draw, not timed here.
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("prompts", PROMPTS);
        r.put("groupSize", GROUP);
        r.put("rows", PROMPTS * GROUP);
        r.put("promptTokens", promptTokens);
        r.put("maxNewTokens", NEW_TOKENS);
        r.put("sampling", "temperature 1, top-p 1, top-k off, KV cache");
        r.put("warmupCalls", plan.sampleWarmup());
        r.put("timedCalls", plan.sampleReps());
        r.put("repetitions", reps.describe());
        r.put("completionTokensPerCall", tokens);
        r.put("completionsEndedWithEos", endedWithEos);
        r.put("secondsPerCall", round(seconds, 4));
        r.put("tokensPerSecond", round(rate, 1));
        r.put("bestTokensPerSecond", round(rates.stream().mapToDouble(Double::doubleValue).max().orElse(0), 1));
        print("[sampling] %s: B=%d prompts (%s tokens) x G=%d, <= %d new tokens: %d tokens per call in %.3f s -> "
                        + "%.0f sampled tokens/s (median of %d)",
                model.dir().getFileName(), PROMPTS, Arrays.toString(promptTokens), GROUP, NEW_TOKENS,
                tokens.get(tokens.size() - 1), median(seconds), rate, plan.sampleReps());
        return r;
    }

    // ---- 2. training ----

    /** A GRPO batch of the model with its reference log-probs, ready for policy.step. */
    private static TrainingBatch grpoBatch(Policy policy, Fixtures.GrpoBatch b) {
        List<float[]> ref = policy.referenceLogProbs(b.prompts(), b.completions());
        return new TrainingBatch(b.prompts(), b.completions(), b.advantages(), List.of(), ref);
    }

    /**
     * The benchmark's GRPO batch with every row's prompt made distinct (its own id), so the
     * backend runs each row's prompt in full: the FLOP count below and the plain-DJL
     * comparison assume that. {@link #groupedBatch} keeps the groups for the shared-prompt timing.
     */
    private Fixtures.GrpoBatch syntheticBatch(Fixtures.Model model) {
        Fixtures.GrpoBatch grouped = groupedBatch(model);
        List<Prompt> distinct = new ArrayList<>();
        for (int r = 0; r < grouped.prompts().size(); r++) {
            Prompt p = grouped.prompts().get(r);
            distinct.add(new Prompt(p.id() + "#" + r, p.text(), p.images()));
        }
        return new Fixtures.GrpoBatch(distinct, grouped.completions(), grouped.advantages());
    }

    /** The batch as the trainer builds it: G rows per prompt, equal prompts. */
    private Fixtures.GrpoBatch groupedBatch(Fixtures.Model model) {
        List<Prompt> prompts = Fixtures.prompts(PROMPTS, PROMPT_WORDS, model.config().vocabSize(), 5);
        return Fixtures.batch(prompts, GROUP, NEW_TOKENS, model.config().vocabSize(), 11);
    }

    private Map<String, Object> training(Fixtures.Model model, Fixtures.Model reference, Plan plan) throws Exception {
        Fixtures.GrpoBatch b = syntheticBatch(model);
        int promptLen = Fixtures.tokenize(model, b.prompts()).stream().mapToInt(a -> a.length).max().orElse(0);
        int n = b.completions().size();
        double refSeconds;
        Reps reps;
        Reps shared;
        Reps oneThread = null;
        try (Policy policy = backend.load(model.dir(), reference.dir(), "cpu")) {
            long t0 = System.nanoTime();
            TrainingBatch batch = grpoBatch(policy, b);
            refSeconds = (System.nanoTime() - t0) / 1e9;
            for (int s = 0; s < plan.trainWarmup(); s++) {
                policy.step(batch, LOSS, ADAM, s);
            }
            reps = repeat(plan.trainSteps(), i -> {
                long start = System.nanoTime();
                StepResult result = policy.step(batch, LOSS, ADAM, plan.trainWarmup() + i);
                double dt = (System.nanoTime() - start) / 1e9;
                if (!Double.isFinite(result.loss()) || !Double.isFinite(result.gradNorm())) {
                    throw new IllegalStateException("step " + i + " is not finite: " + result);
                }
                return new double[] {dt, result.loss()};
            });
            // The trainer's batches repeat each prompt G times; the backend then runs the prompt once.
            TrainingBatch groupedBatch = grpoBatch(policy, groupedBatch(model));
            policy.step(groupedBatch, LOSS, ADAM, 500);
            shared = repeat(plan.trainSteps(), i -> {
                long start = System.nanoTime();
                policy.step(groupedBatch, LOSS, ADAM, 501 + i);
                return new double[] {(System.nanoTime() - start) / 1e9};
            });
            // The launcher runs libtorch on one thread by default (MR1_TORCH_THREADS): time that too.
            int configured = ai.djl.pytorch.jni.JniUtils.getNumThreads();
            if (configured != 1 && plan.oneThreadSteps() > 0) {
                ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
                try {
                    policy.step(batch, LOSS, ADAM, 1000);
                    oneThread = repeat(plan.oneThreadSteps(), i -> {
                        long start = System.nanoTime();
                        policy.step(batch, LOSS, ADAM, 1001 + i);
                        return new double[] {(System.nanoTime() - start) / 1e9};
                    });
                } finally {
                    ai.djl.pytorch.jni.JniUtils.setNumThreads(configured);
                }
            }
        }
        List<Double> seconds = reps.column(0);
        double lastLoss = reps.used().get(reps.used().size() - 1)[1];
        int threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        double median = median(seconds);
        long tokens = (long) n * (promptLen + NEW_TOKENS);
        double flops = 6.0 * model.decoderParameterCount() * tokens;
        double attentionFlops = 12.0 * n * model.config().numHiddenLayers() * (double) (promptLen + NEW_TOKENS)
                * (promptLen + NEW_TOKENS) * model.config().hiddenSize();
        double gflops = flops / median / 1e9;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("completions", n);
        r.put("promptTokens", promptLen);
        r.put("completionTokens", NEW_TOKENS);
        r.put("sequenceShape", new long[] {n, promptLen + NEW_TOKENS});
        r.put("logitsShape", new long[] {n, promptLen + NEW_TOKENS, model.config().vocabSize()});
        r.put("loss", "GRPO-D beta 0.04, k3, sequence mean, eps 0.2, one pass per batch; AdamW lr 1e-5 wd 0.01, clip 1.0");
        r.put("warmupSteps", plan.trainWarmup());
        r.put("timedSteps", plan.trainSteps());
        r.put("repetitions", reps.describe());
        r.put("secondsPerStep", round(seconds, 4));
        r.put("medianSecondsPerStep", round(median, 4));
        r.put("bestSecondsPerStep", round(seconds.stream().mapToDouble(Double::doubleValue).min().orElse(0), 4));
        r.put("stepsPerSecond", round(1 / median, 3));
        r.put("trainedTokensPerSecond", round(tokens / median, 1));
        r.put("referenceLogProbsSeconds", round(refSeconds, 4));
        r.put("flopsPerStep6PT", flops);
        r.put("attentionFlopsPerStep", attentionFlops);
        r.put("achievedGflops", round(gflops, 2));
        double ceiling = remeasureCeiling(threads); // right after the steps, the better of this and the run's start
        r.put("ceilingGflops", round(ceiling, 1));
        r.put("mfuVsCeiling", round(gflops / ceiling, 4));
        r.put("lastLoss", lastLoss);
        r.put("torchThreads", threads);
        double sharedMedian = median(shared.column(0));
        r.put("sharedPrompt", Map.of("medianSecondsPerStep", round(sharedMedian, 4),
                "speedupVsDistinctPrompts", round(median / sharedMedian, 3), "repetitions", shared.describe()));
        if (oneThread != null) {
            double one = median(oneThread.column(0));
            r.put("oneThread", Map.of("medianSecondsPerStep", round(one, 4), "stepsPerSecond", round(1 / one, 3),
                    "slowdownVsDefault", round(one / median, 3), "repetitions", oneThread.describe()));
        }
        print("[training] %s: GRPO-D step on %d completions x (%d prompt + %d completion) tokens = [%d, %d]: "
                        + "%.3f s/step -> %.2f steps/s, %.0f tokens/s; 6*P*T = %.1f GFLOP -> %.1f GFLOP/s = %.1f%% of "
                        + "the measured %.0f GFLOP/s GEMM ceiling on as many threads (median of %d)", model.dir().getFileName(), n, promptLen, NEW_TOKENS, n,
                promptLen + NEW_TOKENS, median, 1 / median, tokens / median, flops / 1e9, gflops,
                100 * gflops / ceiling, ceiling, plan.trainSteps());
        print("[training] %s: the same step with each prompt shared by its group of %d (as the trainer batches): "
                + "%.3f s/step -> %.2fx faster", model.dir().getFileName(), GROUP, sharedMedian, median / sharedMedian);
        if (oneThread != null) {
            double one = median(oneThread.column(0));
            print("[training] %s: on 1 libtorch thread (the launcher's default) %.3f s/step -> %.2f steps/s, "
                    + "%.2fx the %d-thread time", model.dir().getFileName(), one, 1 / one, one / median, threads);
        }
        return r;
    }

    // ---- 3. tensor-layer overhead ----

    private Map<String, Object> overhead(Fixtures.Model model, Fixtures.Model reference, Plan plan) throws Exception {
        Fixtures.GrpoBatch b = syntheticBatch(model);
        Map<String, Object> r = new LinkedHashMap<>();
        Reps steps;
        Reps forward;
        try (Policy policy = backend.load(model.dir(), reference.dir(), "cpu");
             NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
             PlainDecoder decoder = new PlainDecoder(manager, model.config(),
                     SafeTensors.read(model.dir().resolve(Checkpoints.WEIGHTS)), Fixtures.bannedTokens(model.config()))) {
            TrainingBatch batch = grpoBatch(policy, b);
            PlainDecoder.Batch plainBatch = new PlainDecoder.Batch(Fixtures.tokenize(model, b.prompts()),
                    b.completions().stream().map(Completion::tokenIds).toList(), b.advantages(),
                    batch.referenceLogProbs());

            // Same weights, same inputs: the two must compute the same thing before timing means anything.
            double logpDiff = maxAbsDiff(policy.logProbs(b.prompts(), b.completions()), decoder.logProbs(plainBatch));
            StepResult a = policy.step(batch, LOSS, ADAM, 0);
            PlainDecoder.Result p = decoder.step(plainBatch, LOSS, ADAM, 0);
            double lossRel = relDiff(a.loss(), p.loss());
            double normRel = relDiff(a.gradNorm(), p.gradNorm());
            double afterDiff = maxAbsDiff(policy.logProbs(b.prompts(), b.completions()), decoder.logProbs(plainBatch));
            r.put("check", Map.of("maxAbsLogProbDiff", logpDiff, "lossMr1", a.loss(), "lossPlain", p.loss(),
                    "lossRelDiff", lossRel, "gradNormMr1", a.gradNorm(), "gradNormPlain", p.gradNorm(),
                    "gradNormRelDiff", normRel, "maxAbsLogProbDiffAfterOneStep", afterDiff));
            print("[overhead] %s: agreement before timing: log-probs max |diff| %.2e, loss %.6e vs %.6e (rel %.1e), "
                            + "grad norm %.6f vs %.6f (rel %.1e), log-probs after one AdamW step max |diff| %.2e",
                    model.dir().getFileName(), logpDiff, a.loss(), p.loss(), lossRel, a.gradNorm(), p.gradNorm(),
                    normRel, afterDiff);
            if (!(lossRel <= LOSS_TOLERANCE) || !(logpDiff <= 1e-3) || !(normRel <= 1e-3) || !(afterDiff <= 1e-3)) {
                throw new IllegalStateException("the plain DJL path does not compute what mr1 computes: " + r.get("check"));
            }
            // One more untimed step each (both sides have now run two steps and two scorings), then
            // the timed pairs. Three things would otherwise favour one side: the order (the second call
            // of a pair inherits the first one's cache state and garbage), so the order alternates
            // (mr1 first in even pairs, plain first in odd ones); garbage collection (DJL frees the direct
            // buffers of arrays made from Java data only in a GC, which lands in whichever call happens
            // to allocate when it triggers), so the heap is collected before every timed call and each
            // call's direct-buffer allocation is reported instead; and the thread count, which is the
            // same libtorch setting for both and is recorded.
            policy.step(batch, LOSS, ADAM, 1);
            decoder.step(plainBatch, LOSS, ADAM, 1);
            long[] stepDirect = new long[2];
            steps = repeat(plan.overheadPairs(), i -> pair(i, stepDirect,
                    () -> policy.step(batch, LOSS, ADAM, 2 + i),
                    () -> decoder.step(plainBatch, LOSS, ADAM, 2 + i)));
            // The forward alone (scoring without gradient), to tell forward from backward + update overhead.
            long[] forwardDirect = new long[2];
            forward = repeat(plan.overheadPairs(), i -> pair(i, forwardDirect,
                    () -> policy.logProbs(b.prompts(), b.completions()),
                    () -> decoder.logProbs(plainBatch)));
            r.put("directBufferMiBPerCall", Map.of(
                    "stepMr1", mib(stepDirect[0] / Math.max(1, steps.shares().size())),
                    "stepPlain", mib(stepDirect[1] / Math.max(1, steps.shares().size())),
                    "forwardMr1", mib(forwardDirect[0] / Math.max(1, forward.shares().size())),
                    "forwardPlain", mib(forwardDirect[1] / Math.max(1, forward.shares().size()))));
        }
        List<Double> mr1 = steps.column(0);
        List<Double> plain = steps.column(1);
        List<Double> ratios = steps.used().stream().map(v -> v[0] / v[1]).toList();
        List<Double> forwardRatios = forward.used().stream().map(v -> v[0] / v[1]).toList();
        List<Double> quietRatios = steps.uncontended().stream().map(v -> v[0] / v[1]).toList();
        List<Double> quietForwardRatios = forward.uncontended().stream().map(v -> v[0] / v[1]).toList();
        List<Double> mr1Forward = forward.column(0);
        List<Double> plainForward = forward.column(1);
        double mr1Median = median(mr1);
        double plainMedian = median(plain);
        r.put("what", "text-only GRPO-D training step (forward, loss, backward, clipping, AdamW) on the batch of "
                + "section training; mr1 = EnginePolicy.step (Qwen2VlModel + GrpoLoss on DjlTensor), plain = "
                + "PlainDecoder on NDArrays; interleaved, order alternating, heap collected before each call");
        r.put("torchThreads", ai.djl.pytorch.jni.JniUtils.getNumThreads());
        r.put("pairs", plan.overheadPairs());
        r.put("repetitions", steps.describe());
        r.put("secondsMr1", round(mr1, 4));
        r.put("secondsPlain", round(plain, 4));
        r.put("medianSecondsMr1", round(mr1Median, 4));
        r.put("medianSecondsPlain", round(plainMedian, 4));
        r.put("ratioOfMedians", round(mr1Median / plainMedian, 3));
        r.put("medianPairRatio", round(median(ratios), 3));
        r.put("pairRatios", round(ratios, 3));
        r.put("pairRatioQuartiles", round(quartiles(ratios), 3));
        r.put("uncontendedPairRatios", round(quietRatios, 3));
        r.put("uncontendedForwardPairRatios", round(quietForwardRatios, 3));
        r.put("forwardOnly", Map.of("what", "log-probs of the same batch without gradient (Policy.logProbs vs "
                        + "PlainDecoder.logProbs), interleaved as above", "medianSecondsMr1", round(median(mr1Forward), 4),
                "medianSecondsPlain", round(median(plainForward), 4),
                "ratioOfMedians", round(median(mr1Forward) / median(plainForward), 3),
                "medianPairRatio", round(median(forwardRatios), 3),
                "pairRatioQuartiles", round(quartiles(forwardRatios), 3), "repetitions", forward.describe()));
        double[] q = quartiles(ratios);
        double[] fq = quartiles(forwardRatios);
        print("[overhead] %s (%d libtorch threads): training step mr1 %.3f s vs plain DJL %.3f s -> mr1/plain: "
                        + "median pair ratio %.3f (quartiles %.3f-%.3f, range %.3f-%.3f over %d pairs; ratio of "
                        + "medians %.3f); forward only %.3f s vs %.3f s -> median pair ratio %.3f (quartiles "
                        + "%.3f-%.3f, range %.3f-%.3f)",
                model.dir().getFileName(), ai.djl.pytorch.jni.JniUtils.getNumThreads(), mr1Median, plainMedian,
                median(ratios), q[1], q[3], q[0], q[4], ratios.size(), mr1Median / plainMedian,
                median(mr1Forward), median(plainForward), median(forwardRatios), fq[1], fq[3], fq[0], fq[4]);
        print("[overhead] %s: uncontended pairs only: training step %s, forward %s%s", model.dir().getFileName(),
                round(quietRatios, 3), round(quietForwardRatios, 3),
                quietRatios.size() * 2 < ratios.size() || quietForwardRatios.size() * 2 < forwardRatios.size()
                        ? "; MOST PAIRS WERE CONTENDED: the figures above measure other processes more than mr1"
                        : "");
        return r;
    }

    /** One call of the pair, timed. */
    private interface Call {
        void run() throws Exception;
    }

    /**
     * Times one interleaved pair: mr1 first when {@code index} is even, plain first when odd, the heap
     * collected before each call. Adds each call's direct-buffer allocation to {@code direct}.
     *
     * @return {mr1 seconds, plain seconds}
     */
    private static double[] pair(int index, long[] direct, Call mr1, Call plain) throws Exception {
        double[] seconds = new double[2];
        for (int k = 0; k < 2; k++) {
            int side = (index + k) % 2; // 0 = mr1, 1 = plain
            Host.collectGarbage();
            long before = Host.directBufferBytes();
            long t0 = System.nanoTime();
            (side == 0 ? mr1 : plain).run();
            seconds[side] = (System.nanoTime() - t0) / 1e9;
            direct[side] += Math.max(0, Host.directBufferBytes() - before);
        }
        return seconds;
    }

    // ---- anchors: the GEMM ceiling ----

    /**
     * The float32 matrix-product ceiling of DJL's libtorch in this process, on one thread and on
     * every core (and on the configured count when that differs): the best of several square
     * products, so the MFU below divides by what this machine delivers now, never by a constant.
     */
    private void measureCeilings() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        Set<Integer> counts = new java.util.TreeSet<>(List.of(1, cores, ai.djl.pytorch.jni.JniUtils.getNumThreads()));
        double waited = options.quietWait() > 0 ? Host.waitForQuiet(options.quietWait()) : 0;
        Host.CpuSnapshot start = Host.CpuSnapshot.now();
        for (int t : counts) {
            ceiling(t);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("what", "best of " + gemmReps() + " float32 [" + options.gemmSize() + " x " + options.gemmSize()
                + "] x [" + options.gemmSize() + " x " + options.gemmSize() + "] products through DJL's libtorch, GFLOP/s "
                + "(2 n^3 / seconds), at the start of the run; each training section measures its thread count again "
                + "after its steps and the better figure is kept");
        r.put("threads_1", round(ceilings.get(1), 1));
        r.put("threads_" + cores, round(ceilings.get(cores), 1));
        ceilings.forEach((t, g) -> r.putIfAbsent("threads_" + t, round(g, 1)));
        Map<String, Object> cpu = start.elapsed();
        cpu.put("quietWaitSeconds", round(waited, 1));
        r.put("cpu", cpu);
        report.put("gemm_ceiling_gflops", r);
        print("GEMM ceiling (float32, n = %d, DJL's libtorch): %s GFLOP/s by thread count (others took %.0f%% of the "
                + "CPUs meanwhile)", options.gemmSize(), ceilings.entrySet().stream().map(e -> e.getKey() + ": "
                + String.format(Locale.ROOT, "%.1f", e.getValue())).toList(), 100 * (Double) cpu.get("otherProcessesShare"));
    }

    private int gemmReps() {
        return options.quick() ? 5 : 10;
    }

    /** The GEMM ceiling on {@code threads} libtorch threads, measured on first use. */
    private double ceiling(int threads) {
        return ceilings.computeIfAbsent(threads, this::gemmGflops);
    }

    /**
     * Measures the ceiling again and keeps the better figure: on a shared machine the first
     * measurement may have met more contention than the section that divides by it.
     */
    private double remeasureCeiling(int threads) {
        double again = gemmGflops(threads);
        double best = ceilings.merge(threads, again, Math::max);
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) report.get("gemm_ceiling_gflops");
        if (r != null) {
            r.put("threads_" + threads, round(best, 1));
        }
        return best;
    }

    private double gemmGflops(int t) {
        {
            int configured = ai.djl.pytorch.jni.JniUtils.getNumThreads();
            ai.djl.pytorch.jni.JniUtils.setNumThreads(t);
            int n = options.gemmSize();
            try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
                ai.djl.ndarray.NDArray a = m.randomNormal(new ai.djl.ndarray.types.Shape(n, n));
                ai.djl.ndarray.NDArray b = m.randomNormal(new ai.djl.ndarray.types.Shape(n, n));
                a.matMul(b).close();
                double best = Double.POSITIVE_INFINITY;
                for (int i = 0; i < gemmReps(); i++) {
                    long t0 = System.nanoTime();
                    ai.djl.ndarray.NDArray c = a.matMul(b); // libtorch on the CPU returns when the product is done
                    best = Math.min(best, (System.nanoTime() - t0) / 1e9);
                    c.close();
                }
                return 2.0 * n * n * (double) n / best / 1e9;
            } finally {
                ai.djl.pytorch.jni.JniUtils.setNumThreads(configured);
            }
        }
    }

    // ---- 5. the PyTorch-eager peer ----

    /** The peer, started on first use with mr1's libtorch thread count; null with the reason kept when unavailable. */
    private TorchPeer peer() throws IOException {
        if (peer == null && peerUnavailable == null) {
            try {
                peer = TorchPeer.start(Path.of("src", "main", "python", "torch_peer.py"), options.torchPython(),
                        Path.of("target", "torch-venv"), options.torchSpec(), line -> print("[pytorch] %s", line));
                JsonObject hello = peer.call(command("hello"));
                peer.call(command("threads", "n", ai.djl.pytorch.jni.JniUtils.getNumThreads()));
                JsonObject gemm = peer.call(command("gemm", "size", options.gemmSize(), "reps", gemmReps()));
                vsPytorch.put("pytorch_version", hello.get("torch").getAsString());
                vsPytorch.put("python", hello.get("python").getAsString() + " (" + peer.python() + ")");
                vsPytorch.put("peer_gemm_gflops", round(gemm.get("gflops").getAsDouble(), 1));
                vsPytorch.put("threads", ai.djl.pytorch.jni.JniUtils.getNumThreads());
                print("[pytorch] peer: PyTorch %s on Python %s, %d threads, its GEMM ceiling %.1f GFLOP/s",
                        hello.get("torch").getAsString(), hello.get("python").getAsString(),
                        ai.djl.pytorch.jni.JniUtils.getNumThreads(), gemm.get("gflops").getAsDouble());
            } catch (TorchPeer.Unavailable e) {
                peerUnavailable = e.getMessage();
                print("[pytorch] SKIPPED: %s; the PyTorch-eager comparison needs python3 with torch (or pip access to "
                        + "a package source with torch; see README.md)", peerUnavailable);
            }
        }
        return peer;
    }

    private static Map<String, Object> command(String cmd, Object... fields) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cmd", cmd);
        for (int i = 0; i < fields.length; i += 2) {
            m.put((String) fields[i], fields[i + 1]);
        }
        return m;
    }

    private static List<float[]> floatRows(JsonObject answer, String key) {
        List<float[]> rows = new ArrayList<>();
        for (com.google.gson.JsonElement row : answer.getAsJsonArray(key)) {
            com.google.gson.JsonArray a = row.getAsJsonArray();
            float[] v = new float[a.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = a.get(i).getAsFloat();
            }
            rows.add(v);
        }
        return rows;
    }

    /** One timed call; it returns its own seconds (the peer measures itself, without the pipe). */
    private interface Timed {
        double seconds() throws Exception;
    }

    /**
     * Times the calls of one repetition in an order rotated by {@code index}, so that no side always
     * runs first (inheriting a cold cache) or last (inheriting the other's garbage); the JVM heap is
     * collected before each call.
     */
    private static double[] rotated(int index, List<Timed> calls) throws Exception {
        double[] seconds = new double[calls.size()];
        for (int k = 0; k < calls.size(); k++) {
            int side = (index + k) % calls.size();
            Host.collectGarbage();
            seconds[side] = calls.get(side).seconds();
        }
        return seconds;
    }

    private static Timed mr1(Call call) {
        return () -> {
            long t0 = System.nanoTime();
            call.run();
            return (System.nanoTime() - t0) / 1e9;
        };
    }

    /** A pair's summary: medians, their ratio, the per-repetition ratios. */
    private static Map<String, Object> comparison(Reps reps, int mine, int theirs, String mineName, String theirsName) {
        List<Double> a = reps.column(mine);
        List<Double> b = reps.column(theirs);
        List<Double> ratios = reps.used().stream().map(v -> v[mine] / v[theirs]).toList();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("medianSeconds" + mineName, round(median(a), 4));
        r.put("medianSeconds" + theirsName, round(median(b), 4));
        r.put("ratioOfMedians", round(median(a) / median(b), 3));
        r.put("medianPairRatio", round(median(ratios), 3));
        r.put("pairRatioQuartiles", round(quartiles(ratios), 3));
        r.put("seconds" + mineName, round(a, 4));
        r.put("seconds" + theirsName, round(b, 4));
        return r;
    }

    /**
     * mr1 against the PyTorch-eager peer on the same checkpoint: the GRPO-D step (the peer with
     * torch's default AdamW and with its fused AdamW) and KV-cache sampling, each repetition
     * interleaving the sides. The log-probs of both must agree first.
     */
    private Map<String, Object> pytorch(String name, Fixtures.Model model, Fixtures.Model reference, Plan plan)
            throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        TorchPeer torch = peer();
        if (torch == null) {
            r.put("skipped", peerUnavailable);
            return r;
        }
        torch.call(command("load", "name", name, "model", model.dir().toAbsolutePath().toString(), "reference",
                reference.dir().toAbsolutePath().toString()));
        Fixtures.GrpoBatch b = syntheticBatch(model);
        List<long[]> promptIds = Fixtures.tokenize(model, b.prompts());
        List<int[]> completions = b.completions().stream().map(Completion::tokenIds).toList();
        List<Prompt> prompts = Fixtures.prompts(PROMPTS, PROMPT_WORDS, model.config().vocabSize(), 5);
        List<long[]> samplePromptIds = Fixtures.tokenize(model, prompts);
        Reps train;
        Reps sample;
        try (Policy policy = backend.load(model.dir(), reference.dir(), "cpu")) {
            TrainingBatch batch = grpoBatch(policy, b);
            // Same checkpoint, same layout: one forward's per-token log-probs (every position's logits through a
            // log-softmax) of policy and reference must agree before a timing means anything.
            double policyDiff = maxAbsDiff(policy.logProbs(b.prompts(), b.completions()), floatRows(torch.call(
                    command("logprobs", "name", name, "prompts", promptIds, "completions", completions)), "logprobs"));
            double referenceDiff = maxAbsDiff(batch.referenceLogProbs(), floatRows(torch.call(command("logprobs",
                    "name", name, "reference", true, "prompts", promptIds, "completions", completions)), "logprobs"));
            r.put("check", Map.of("maxAbsLogProbDiff", policyDiff, "maxAbsReferenceLogProbDiff", referenceDiff));
            print("[pytorch] %s: agreement before timing: log-probs max |diff| %.2e (policy), %.2e (reference)",
                    model.dir().getFileName(), policyDiff, referenceDiff);
            if (!(policyDiff <= 1e-3) || !(referenceDiff <= 1e-3)) {
                throw new IllegalStateException("the PyTorch peer does not compute what mr1 computes: " + r.get("check"));
            }
            torch.call(command("batch", "name", name, "prompts", promptIds, "completions", completions, "advantages",
                    b.advantages()));
            for (int w = 0; w < plan.trainWarmup(); w++) {
                policy.step(batch, LOSS, ADAM, w);
                torch.call(command("train", "name", name, "fused", false));
                torch.call(command("train", "name", name, "fused", true));
            }
            int[] step = {plan.trainWarmup()};
            train = repeat(plan.trainSteps(), i -> rotated(i, List.of(
                    mr1(() -> policy.step(batch, LOSS, ADAM, step[0]++)),
                    () -> torch.call(command("train", "name", name, "fused", false)).get("seconds").getAsDouble(),
                    () -> torch.call(command("train", "name", name, "fused", true)).get("seconds").getAsDouble())));
            for (int w = 0; w < plan.sampleWarmup(); w++) {
                policy.sample(prompts, new SamplingParams(GROUP, 1.0, 1.0, 0, NEW_TOKENS, 100 + w));
                torch.call(command("sample", "name", name, "prompts", samplePromptIds, "group", GROUP, "max_new",
                        NEW_TOKENS, "seed", 100 + w));
            }
            int[] tokens = new int[2];
            sample = repeat(plan.sampleReps(), i -> rotated(i, List.of(
                    mr1(() -> tokens[0] += policy.sample(prompts, new SamplingParams(GROUP, 1.0, 1.0, 0, NEW_TOKENS,
                            1000 + i)).stream().flatMap(List::stream).mapToInt(Completion::length).sum()),
                    () -> {
                        JsonObject a = torch.call(command("sample", "name", name, "prompts", samplePromptIds, "group",
                                GROUP, "max_new", NEW_TOKENS, "seed", 1000 + i));
                        tokens[1] += a.get("tokens").getAsInt();
                        return a.get("seconds").getAsDouble();
                    })));
            r.put("sampledTokens", Map.of("mr1", tokens[0], "pytorch", tokens[1]));
        }
        Map<String, Object> t = comparison(train, 0, 1, "Mr1", "Pytorch");
        Map<String, Object> fused = comparison(train, 0, 2, "Mr1", "PytorchFusedAdamW");
        Map<String, Object> s = comparison(sample, 0, 1, "Mr1", "Pytorch");
        t.put("repetitions", train.describe());
        s.put("repetitions", sample.describe());
        r.put("what", "mr1 (EnginePolicy on DJL's libtorch) vs plain PyTorch eager in Python (benchmarks/src/main/python/"
                + "torch_peer.py) on the same checkpoint and batch, same libtorch thread count; ratios are mr1 / PyTorch");
        r.put("training", t);
        r.put("trainingFusedAdamW", fused);
        r.put("sampling", s);
        vsPytorch.put("train_" + name, t.get("ratioOfMedians"));
        vsPytorch.put("train_" + name + "_fused_adamw", fused.get("ratioOfMedians"));
        vsPytorch.put("sample_" + name, s.get("ratioOfMedians"));
        print("[pytorch] %s: GRPO-D step mr1 %.3f s vs PyTorch eager %.3f s (default AdamW) -> %.3fx, vs %.3f s (fused "
                        + "AdamW) -> %.3fx; sampling %.3f s vs %.3f s per call -> %.3fx (medians of %d and %d, "
                        + "interleaved; mr1 / PyTorch)", model.dir().getFileName(), t.get("medianSecondsMr1"),
                t.get("medianSecondsPytorch"), t.get("ratioOfMedians"), fused.get("medianSecondsPytorchFusedAdamW"),
                fused.get("ratioOfMedians"), s.get("medianSecondsMr1"), s.get("medianSecondsPytorch"),
                s.get("ratioOfMedians"), train.used().size(), sample.used().size());
        return r;
    }

    /** The report's vs_pytorch_eager: the ratios measured in this run, or why there are none. */
    private void summarisePeer() {
        Map<String, Object> v = new LinkedHashMap<>();
        if (peerUnavailable != null) {
            v.put("skipped", peerUnavailable);
        } else {
            v.put("what", "mr1 seconds / PyTorch-eager seconds, median of interleaved repetitions in this run");
            v.putAll(vsPytorch);
        }
        report.put("vs_pytorch_eager", v);
    }

    // ---- 7. op-by-op profile of one training step, mr1 beside the PyTorch peer ----

    /** Rows of the printed side-by-side table. */
    static final int PROFILE_ROWS = 20;

    /**
     * One steady-state GRPO-D step (the training section's batch) profiled op by op on each side, after
     * warm-up steps, with the same libtorch thread count: mr1 under libtorch's autograd profiler (through
     * DJL), the peer under {@code torch.profiler}. The table aggregates self time by op name; what no
     * top-level op covers is time outside libtorch (mr1: Java, JNI, gaps; the peer: Python, gaps).
     */
    private Map<String, Object> profile(String name, Fixtures.Model model, Fixtures.Model reference, Plan plan)
            throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        TorchPeer torch = peer();
        Fixtures.GrpoBatch b = syntheticBatch(model);
        int threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        OpProfile.Profile mine;
        OpProfile.Profile theirs = null;
        double mineUnprofiled;
        double theirsUnprofiled = Double.NaN;
        Path trace = OpProfile.traceFile(name);
        try (Policy policy = backend.load(model.dir(), reference.dir(), "cpu")) {
            TrainingBatch batch = grpoBatch(policy, b);
            if (torch != null) {
                torch.call(command("load", "name", name, "model", model.dir().toAbsolutePath().toString(),
                        "reference", reference.dir().toAbsolutePath().toString()));
                torch.call(command("batch", "name", name, "prompts", Fixtures.tokenize(model, b.prompts()),
                        "completions", b.completions().stream().map(Completion::tokenIds).toList(), "advantages",
                        b.advantages()));
            }
            int warmup = plan.trainWarmup() + 1;
            for (int w = 0; w < warmup; w++) {
                policy.step(batch, LOSS, ADAM, w);
                if (torch != null) {
                    torch.call(command("train", "name", name, "fused", false));
                }
            }
            // One unprofiled step each, for the profiler's own cost, then the profiled ones.
            Host.collectGarbage();
            long t0 = System.nanoTime();
            policy.step(batch, LOSS, ADAM, warmup);
            mineUnprofiled = (System.nanoTime() - t0) / 1e6;
            Host.collectGarbage();
            mine = OpProfile.mr1(() -> policy.step(batch, LOSS, ADAM, warmup + 1), trace);
            if (torch != null) {
                theirsUnprofiled = torch.call(command("train", "name", name, "fused", false)).get("seconds")
                        .getAsDouble() * 1e3;
                theirs = OpProfile.fromPeer(torch.call(command("profile", "name", name, "fused", false, "top", 1000)));
            }
        }
        r.put("what", "one steady-state GRPO-D step (training section's batch, after " + (plan.trainWarmup() + 2)
                + " steps) profiled op by op: mr1 under libtorch's autograd profiler via DJL (JniUtils.startProfile), "
                + "the PyTorch peer (default AdamW) under torch.profiler, CPU; self time aggregated by op name; outside = "
                + "wall time minus the union of top-level op spans (mr1: Java, JNI, gaps; peer: Python, gaps)");
        r.put("torchThreads", threads);
        r.put("mr1Trace", trace.toAbsolutePath().toString());
        Map<String, Object> a = OpProfile.summary(mine);
        a.put("unprofiledStepMs", OpProfile.round(mineUnprofiled));
        r.put("mr1", a);
        print("[profile] %s (%d libtorch threads): mr1 step %.1f ms profiled (%.1f ms unprofiled), top-level ops %.1f "
                        + "ms, outside libtorch (Java, JNI, gaps) %.1f ms, %d op calls", model.dir().getFileName(),
                threads, mine.wallMs(), mineUnprofiled, mine.topLevelMs(), mine.outsideMs(),
                a.get("opCalls"));
        if (theirs == null) {
            r.put("pytorch", Map.of("skipped", peerUnavailable));
            r.put("topMr1", mine.ops().stream().limit(PROFILE_ROWS).map(o -> Map.of("op", o.name(), "count", o.count(),
                    "selfMs", OpProfile.round(o.selfMs()), "totalMs", OpProfile.round(o.totalMs()))).toList());
            print("[profile] %s: no PyTorch peer (%s); mr1's top ops by self time:", model.dir().getFileName(),
                    peerUnavailable);
            mine.ops().stream().limit(PROFILE_ROWS).forEach(o -> print("  %-50s %7d %10.2f ms", o.name(), o.count(),
                    o.selfMs()));
            return r;
        }
        Map<String, Object> p = OpProfile.summary(theirs);
        p.put("unprofiledStepMs", OpProfile.round(theirsUnprofiled));
        r.put("pytorch", p);
        List<Map<String, Object>> rows = OpProfile.sideBySide(mine, theirs);
        r.put("opsByAbsDiff", rows.stream().limit(60).toList());
        print("[profile] %s: PyTorch step %.1f ms profiled (%.1f ms unprofiled), top-level ops %.1f ms, outside "
                        + "libtorch (Python, gaps) %.1f ms, %d op calls", model.dir().getFileName(), theirs.wallMs(),
                theirsUnprofiled, theirs.topLevelMs(), theirs.outsideMs(), p.get("opCalls"));
        print("  %-50s %7s %7s %10s %10s %9s", "op (self time, ms)", "n mr1", "n torch", "mr1", "torch", "diff");
        for (Map<String, Object> row : rows.subList(0, Math.min(PROFILE_ROWS, rows.size()))) {
            print("  %-50s %7d %7d %10.2f %10.2f %+9.2f", abbreviate((String) row.get("op"), 50), row.get("countMr1"),
                    row.get("countPytorch"), row.get("selfMsMr1"), row.get("selfMsPytorch"), row.get("diffMs"));
        }
        double restMine = 0;
        double restTheirs = 0;
        for (Map<String, Object> row : rows.subList(Math.min(PROFILE_ROWS, rows.size()), rows.size())) {
            restMine += (Double) row.get("selfMsMr1");
            restTheirs += (Double) row.get("selfMsPytorch");
        }
        print("  %-50s %7s %7s %10.2f %10.2f %+9.2f", "(" + Math.max(0, rows.size() - PROFILE_ROWS) + " other ops)", "",
                "", restMine, restTheirs, restMine - restTheirs);
        print("  %-50s %7d %7d %10.2f %10.2f %+9.2f", "sum of self times (all ops)", a.get("opCalls"),
                p.get("opCalls"), mine.selfSumMs(), theirs.selfSumMs(), mine.selfSumMs() - theirs.selfSumMs());
        print("  %-50s %7s %7s %10.2f %10.2f %+9.2f", "outside libtorch (mr1: Java/JNI/gaps; torch: Python/gaps)", "",
                "", mine.outsideMs(), theirs.outsideMs(), mine.outsideMs() - theirs.outsideMs());
        print("  %-50s %7s %7s %10.2f %10.2f %+9.2f", "step wall time, profiled", "", "", mine.wallMs(),
                theirs.wallMs(), mine.wallMs() - theirs.wallMs());
        return r;
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    // ---- 6. TensorFlow beside PyTorch ----

    /**
     * The same GRPO-D step and sampling on the TensorFlow backend and on the PyTorch backend (same
     * checkpoint, batch and lengths), interleaved; TensorFlow's first step (graph building) is
     * reported apart from its steady state.
     */
    private Map<String, Object> tensorflow(Fixtures.Model model, Fixtures.Model reference, Plan plan) throws Exception {
        Fixtures.GrpoBatch b = syntheticBatch(model);
        List<Prompt> prompts = Fixtures.prompts(PROMPTS, PROMPT_WORDS, model.config().vocabSize(), 5);
        Map<String, Object> r = new LinkedHashMap<>();
        // TfEngine keeps its variables, moments and gradients in TF native memory (not on the Java
        // heap, which stays near 9 MB for the 30m model: TfMemoryReportTest), so no -Xmx check applies.
        Reps train;
        Reps sample;
        io.mr1.backend.tensorflow.TensorflowBackend tfBackend = new io.mr1.backend.tensorflow.TensorflowBackend();
        try (Policy torch = backend.load(model.dir(), reference.dir(), "cpu");
             Policy tf = tfBackend.load(model.dir(), reference.dir(), "cpu")) {
            r.put("tensorflowVersion", tfBackend.info().engineVersion());
            TrainingBatch torchBatch = grpoBatch(torch, b);
            long t0 = System.nanoTime();
            TrainingBatch tfBatch = grpoBatch(tf, b);
            double tfFirstScoring = (System.nanoTime() - t0) / 1e9;
            long builds0 = graphBuilds(tf);
            t0 = System.nanoTime();
            StepResult tfFirst = tf.step(tfBatch, LOSS, ADAM, 0);
            double tfFirstStep = (System.nanoTime() - t0) / 1e9;
            long builds1 = graphBuilds(tf);
            t0 = System.nanoTime();
            StepResult torchFirst = torch.step(torchBatch, LOSS, ADAM, 0);
            double torchFirstStep = (System.nanoTime() - t0) / 1e9;
            double lossRel = relDiff(tfFirst.loss(), torchFirst.loss());
            print("[tensorflow] %s: first step (TensorFlow builds its graph) %.3f s vs PyTorch %.3f s; loss %.6e vs "
                    + "%.6e (rel %.1e)", model.dir().getFileName(), tfFirstStep, torchFirstStep, tfFirst.loss(),
                    torchFirst.loss(), lossRel);
            if (!(lossRel <= 1e-3)) {
                throw new IllegalStateException("TensorFlow and PyTorch disagree on the first step's loss: "
                        + tfFirst.loss() + " vs " + torchFirst.loss());
            }
            for (int w = 1; w < plan.trainWarmup(); w++) {
                tf.step(tfBatch, LOSS, ADAM, w);
                torch.step(torchBatch, LOSS, ADAM, w);
            }
            long builds2 = graphBuilds(tf);
            int[] step = {plan.trainWarmup()};
            train = repeat(plan.trainSteps(), i -> rotated(i, List.of(
                    mr1(() -> torch.step(torchBatch, LOSS, ADAM, step[0])),
                    mr1(() -> tf.step(tfBatch, LOSS, ADAM, step[0]++)))));
            long builds3 = graphBuilds(tf);
            t0 = System.nanoTime();
            tf.sample(prompts, new SamplingParams(GROUP, 1.0, 1.0, 0, NEW_TOKENS, 99));
            double tfFirstSample = (System.nanoTime() - t0) / 1e9;
            for (int w = 0; w < plan.sampleWarmup(); w++) {
                torch.sample(prompts, new SamplingParams(GROUP, 1.0, 1.0, 0, NEW_TOKENS, 100 + w));
            }
            int[] tokens = new int[2];
            sample = repeat(plan.sampleReps(), i -> rotated(i, List.of(
                    mr1(() -> tokens[0] += torch.sample(prompts, new SamplingParams(GROUP, 1.0, 1.0, 0, NEW_TOKENS,
                            1000 + i)).stream().flatMap(List::stream).mapToInt(Completion::length).sum()),
                    mr1(() -> tokens[1] += tf.sample(prompts, new SamplingParams(GROUP, 1.0, 1.0, 0, NEW_TOKENS,
                            1000 + i)).stream().flatMap(List::stream).mapToInt(Completion::length).sum()))));
            Map<String, Object> first = new LinkedHashMap<>();
            first.put("tensorflowFirstStepSeconds", round(tfFirstStep, 4));
            first.put("pytorchFirstStepSeconds", round(torchFirstStep, 4));
            first.put("tensorflowFirstScoringSeconds", round(tfFirstScoring, 4));
            first.put("tensorflowFirstSampleSeconds", round(tfFirstSample, 4));
            first.put("lossRelDiff", lossRel);
            r.put("firstCalls", first);
            Map<String, Object> graphs = new LinkedHashMap<>();
            if (builds0 >= 0) {
                graphs.put("firstStep", builds1 - builds0);
                graphs.put("perSteadyStep", round((builds3 - builds2) / (double) Math.max(1, train.shares().size()), 2));
            } else {
                graphs.put("unavailable", "the TensorFlow backend does not expose its graph-build count on this build");
            }
            r.put("graphBuilds", graphs);
            r.put("sampledTokens", Map.of("pytorch", tokens[0], "tensorflow", tokens[1]));
        }
        Map<String, Object> t = comparison(train, 1, 0, "Tensorflow", "Pytorch");
        Map<String, Object> s = comparison(sample, 1, 0, "Tensorflow", "Pytorch");
        t.put("repetitions", train.describe());
        s.put("repetitions", sample.describe());
        int rows = PROMPTS * GROUP;
        r.put("what", "the same GRPO-D step and sampling on the tensorflow and pytorch backends (EnginePolicy on TfEngine "
                + "and on DjlEngine), interleaved after the first calls; ratios are TensorFlow / PyTorch");
        r.put("training", t);
        r.put("sampling", s);
        r.put("samplingTokensPerSecond", Map.of("pytorch", round(rows * NEW_TOKENS / (Double) s.get("medianSecondsPytorch"), 1),
                "tensorflow", round(rows * NEW_TOKENS / (Double) s.get("medianSecondsTensorflow"), 1),
                "basis", "B x G x max new tokens per median call"));
        @SuppressWarnings("unchecked")
        Map<String, Object> graphs = (Map<String, Object>) r.get("graphBuilds");
        print("[tensorflow] %s: steady GRPO-D step TensorFlow %.3f s vs PyTorch %.3f s -> %.3fx; sampling %.3f s vs "
                        + "%.3f s per call -> %.3fx (TensorFlow / PyTorch, medians of %d and %d, interleaved); graph "
                        + "builds %s", model.dir().getFileName(), t.get("medianSecondsTensorflow"),
                t.get("medianSecondsPytorch"), t.get("ratioOfMedians"), s.get("medianSecondsTensorflow"),
                s.get("medianSecondsPytorch"), s.get("ratioOfMedians"), train.used().size(), sample.used().size(),
                graphs);
        return r;
    }

    /**
     * How many graphs the TensorFlow backend has built: its {@code graph_builds} engine counter
     * ({@link Policy#engineStatistics}); -1 where the backend reports no such counter.
     */
    static long graphBuilds(Policy policy) {
        Double builds = policy.engineStatistics().get("graph_builds");
        return builds == null ? -1 : builds.longValue();
    }

    // ---- 4. native memory ----

    private Map<String, Object> memory(Fixtures.Model model, Fixtures.Model reference) throws Exception {
        Fixtures.GrpoBatch b = syntheticBatch(model);
        boolean pinned = Host.heapPinned();
        long heap = Runtime.getRuntime().totalMemory();
        List<Map<String, Object>> samples = new ArrayList<>();
        long[] first = null;
        long[] last = null;
        double stepSeconds = 0;
        // One libtorch thread, the launcher's default: memory is what is measured here, and a
        // single thread does not stall when other processes share the CPUs.
        int configured = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
        try (Policy policy = backend.load(model.dir(), reference.dir(), "cpu")) {
            TrainingBatch batch = grpoBatch(policy, b);
            for (int s = 1; s <= options.memorySteps(); s++) {
                long t0 = System.nanoTime();
                policy.step(batch, LOSS, ADAM, s);
                stepSeconds += (System.nanoTime() - t0) / 1e9;
                if (s % options.memoryEvery() == 0) {
                    // As the process runs, then after a collection: DJL copies every array it creates from
                    // Java into a direct ByteBuffer that only a GC frees, so the first figure floats with GC
                    // timing and the second is what native memory really holds.
                    long rss = Host.rssBytes();
                    long direct = Host.directBufferBytes();
                    Host.collectGarbage();
                    long rssGc = Host.rssBytes();
                    Map<String, Object> sample = new LinkedHashMap<>();
                    sample.put("step", s);
                    sample.put("rssMiB", mib(rss));
                    sample.put("directBuffersMiB", mib(direct));
                    sample.put("rssAfterGcMiB", mib(rssGc));
                    sample.put("directBuffersAfterGcMiB", mib(Host.directBufferBytes()));
                    samples.add(sample);
                    System.out.printf(Locale.ROOT, "  [memory] step %d: RSS %.1f MiB, after GC %.1f MiB%n", s, mib(rss),
                            mib(rssGc));
                    long[] now = {rss, rssGc};
                    first = first == null ? now : first;
                    last = now;
                }
            }
        } finally {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(configured);
        }
        // The check is on the RSS after a GC; the share of the non-heap part (the heap being fixed and
        // pre-touched) and the growth over the second half, where a real leak keeps going while allocator
        // warm-up has levelled off, are reported beside it.
        double growth = (double) (last[1] - first[1]) / first[1];
        double nonHeapGrowth = pinned ? (double) (last[1] - first[1]) / (first[1] - heap) : Double.NaN;
        double middle = (Double) samples.get(samples.size() / 2).get("rssAfterGcMiB");
        boolean passed = growth <= options.maxRssGrowth();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", options.memoryModel());
        r.put("steps", options.memorySteps());
        r.put("sampleEvery", options.memoryEvery());
        r.put("torchThreads", 1);
        int promptLen = Fixtures.tokenize(model, b.prompts()).stream().mapToInt(a -> a.length).max().orElse(0);
        r.put("sequenceShape", new long[] {b.completions().size(), promptLen + NEW_TOKENS});
        r.put("stepsPerSecond", round(options.memorySteps() / stepSeconds, 2));
        r.put("samples", samples);
        r.put("rssFirstSampleMiB", mib(first[1]));
        r.put("rssEndMiB", mib(last[1]));
        r.put("growthMiB", mib(last[1] - first[1]));
        r.put("growthPerStepKiB", round((last[1] - first[1]) / 1024.0 / Math.max(1, options.memorySteps()
                - options.memoryEvery()), 3));
        r.put("rssBeforeGcFirstMiB", mib(first[0]));
        r.put("rssBeforeGcEndMiB", mib(last[0]));
        r.put("maxRssBeforeGcMiB", samples.stream().mapToDouble(m -> (Double) m.get("rssMiB")).max().orElse(0));
        r.put("maxDirectBuffersMiB", samples.stream().mapToDouble(m -> (Double) m.get("directBuffersMiB")).max()
                .orElse(0));
        r.put("maxDirectMemoryMiB", mib(Host.maxDirectMemory()));
        r.put("javaHeapMiB", heap / 1048576);
        r.put("heapPinned", pinned);
        r.put("growthBasis", "RSS after a GC, from the first sample to the last, over the first sample");
        r.put("growthFraction", round(growth, 4));
        r.put("growthFractionOfNonHeapRss", round(nonHeapGrowth, 4));
        r.put("secondHalfGrowthMiB", round(mib(last[1]) - middle, 1));
        r.put("secondHalfFromStep", samples.get(samples.size() / 2).get("step"));
        r.put("maxGrowthFraction", options.maxRssGrowth());
        r.put("passed", passed);
        print("[memory] %s: %d GRPO-D steps of [%d, %d] (%.2f steps/s); RSS after GC %.1f MiB at step %d -> %.1f MiB "
                        + "at step %d: %+.1f MiB = %+.2f%% (limit %.0f%%) -> %s; %+.1f%% of the non-heap RSS; "
                        + "%+.1f MiB from step %s on; before GC up to %.1f MiB (direct ByteBuffers awaiting GC up to "
                        + "%.1f MiB)", options.memoryModel(), options.memorySteps(), b.completions().size(),
                promptLen + NEW_TOKENS, options.memorySteps() / stepSeconds, mib(first[1]), options.memoryEvery(),
                mib(last[1]), options.memorySteps(), mib(last[1] - first[1]), 100 * growth,
                100 * options.maxRssGrowth(), passed ? "ok" : "FAILED", 100 * nonHeapGrowth,
                r.get("secondHalfGrowthMiB"), r.get("secondHalfFromStep"), r.get("maxRssBeforeGcMiB"),
                r.get("maxDirectBuffersMiB"));
        return r;
    }

    private static double mib(long bytes) {
        return round(bytes / 1048576.0, 1);
    }

    // ---- helpers ----

    /** Share of the machine other processes may take during a repetition before it counts as contended. */
    static final double CONTENDED = 0.10;

    /** One timed repetition: it returns its measured values. */
    private interface Work {
        double[] run(int index) throws Exception;
    }

    /**
     * The repetitions kept for the figures.
     *
     * @param used values of the repetitions the figures use
     * @param shares other processes' share of the CPUs during every repetition run, kept or not
     * @param contended how many of them were contended
     */
    record Reps(List<double[]> used, List<Double> shares, int contended) {
        List<Double> column(int i) {
            return used.stream().map(v -> v[i]).toList();
        }

        /** The used repetitions during which other processes stayed under {@link #CONTENDED}. */
        List<double[]> uncontended() {
            if (used.size() != shares.size()) {
                return used; // only the clean runs were kept
            }
            List<double[]> clean = new ArrayList<>();
            for (int i = 0; i < used.size(); i++) {
                if (shares.get(i) <= CONTENDED) {
                    clean.add(used.get(i));
                }
            }
            return clean;
        }

        Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("runs", shares.size());
            m.put("used", used.size());
            m.put("contendedRuns", contended);
            m.put("otherProcessesShares", round(shares, 3));
            return m;
        }
    }

    /**
     * Runs {@code count} repetitions that other processes left alone: a contended one (others took over
     * {@link #CONTENDED} of the CPUs) is run again, after waiting for a quiet machine when --quiet-wait is
     * set, up to {@code count} extra runs. The figures use the uncontended runs, or every run when fewer
     * than half were uncontended.
     */
    private Reps repeat(int count, Work work) throws Exception {
        List<double[]> clean = new ArrayList<>();
        List<double[]> all = new ArrayList<>();
        List<Double> shares = new ArrayList<>();
        int contended = 0;
        for (int i = 0; clean.size() < count && i < (rerunContended ? 2 * count : count); i++) {
            Host.CpuSnapshot start = Host.CpuSnapshot.now();
            double[] values = work.run(i);
            double share = (Double) start.elapsed().get("otherProcessesShare");
            shares.add(share);
            all.add(values);
            if (share <= CONTENDED) {
                clean.add(values);
            } else {
                contended++;
                if (options.quietWait() > 0) {
                    Host.waitForQuiet(Math.min(30, options.quietWait()));
                }
            }
        }
        return new Reps(clean.size() * 2 >= count && !clean.isEmpty() ? clean : all, shares, contended);
    }

    private void writeJson() throws IOException {
        Path out = options.out().toAbsolutePath();
        Files.createDirectories(out.getParent());
        Files.writeString(out, new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create()
                .toJson(report) + "\n", StandardCharsets.UTF_8);
    }

    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /**
     * Minimum, lower quartile, median, upper quartile and maximum (quartiles by linear interpolation).
     *
     * @param values the sample
     * @return five numbers, NaN when the sample is empty
     */
    static double[] quartiles(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double[] q = new double[5];
        for (int i = 0; i < 5; i++) {
            if (sorted.length == 0) {
                q[i] = Double.NaN;
                continue;
            }
            double at = i / 4.0 * (sorted.length - 1);
            int lo = (int) Math.floor(at);
            int hi = Math.min(sorted.length - 1, lo + 1);
            q[i] = sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]);
        }
        return q;
    }

    private static double[] round(double[] values, int digits) {
        return Arrays.stream(values).map(v -> round(v, digits)).toArray();
    }

    static double relDiff(double a, double b) {
        double scale = Math.max(Math.abs(a), Math.abs(b));
        return scale == 0 ? 0 : Math.abs(a - b) / scale;
    }

    static double maxAbsDiff(List<float[]> a, List<float[]> b) {
        double max = 0;
        for (int r = 0; r < a.size(); r++) {
            if (a.get(r).length != b.get(r).length) {
                return Double.POSITIVE_INFINITY;
            }
            for (int j = 0; j < a.get(r).length; j++) {
                max = Math.max(max, Math.abs(a.get(r)[j] - b.get(r)[j]));
            }
        }
        return max;
    }

    private static double round(double v, int digits) {
        if (!Double.isFinite(v)) {
            return v;
        }
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    private static List<Double> round(List<Double> values, int digits) {
        return values.stream().map(v -> round(v, digits)).toList();
    }

    private static void print(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
        System.out.flush();
    }
}
