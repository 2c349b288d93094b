package io.mr1.benchmarks;

import io.mr1.api.backend.Policy;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.backend.StepResult;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.api.types.Prompt;
import io.mr1.backend.pytorch.TorchBackend;
import io.mr1.models.Checkpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The PyTorch backend in bfloat16 against float32 ({@code model.dtype}), side by side in one
 * process: the same model loaded twice, once per dtype; every round runs one GRPO-D step (the
 * training section's batch, float32 masters updated in bfloat16) and one sampling call on each,
 * in an order that alternates from round to round, so other processes' load and drift fall on
 * both alike. Reports per dtype the median thread CPU and wall seconds, the median per-round
 * ratio bfloat16 / float32, and the other processes' CPU share over the run. bfloat16 kernels on
 * the CPU need AVX512-BF16 (or AMX) to be fast; the printed CPU flags say whether this machine has them.
 *
 * <p>Usage: {@code DtypeComparison [--models tiny,30m] [--rounds N] [--threads N] [--sections training,sampling]}
 */
public final class DtypeComparison {

    static final List<String> DTYPES = List.of("float32", "bfloat16");

    private DtypeComparison() {
    }

    /**
     * @param args options
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        List<String> models = List.of("tiny", "30m");
        int rounds = 5;
        int threads = 1;
        List<String> sections = List.of("training", "sampling");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--models" -> models = List.of(args[++i].split(","));
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--sections" -> sections = List.of(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; usage: DtypeComparison [--models tiny,30m] [--rounds N] [--threads N] [--sections "
                        + "training,sampling]");
            }
        }
        System.out.println("[dtype] CPU bfloat16 support: " + bf16Flags());
        Path work = Files.createTempDirectory("mr1-dtype");
        TorchBackend backend = new TorchBackend();
        try {
            for (String name : models) {
                Fixtures.Model model = Fixtures.create(work.resolve(name), Fixtures.spec(name), 1);
                Fixtures.Model reference = Fixtures.create(work.resolve(name + "-ref"), Fixtures.spec(name), 2);
                Map<String, Policy> policies = new LinkedHashMap<>();
                try {
                    for (String dtype : DTYPES) {
                        policies.put(dtype, backend.load(model.dir(), reference.dir(), "cpu", dtype, dtype));
                    }
                    ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
                    compare(name, policies, model, rounds, threads, sections);
                } finally {
                    for (Policy p : policies.values()) {
                        p.close();
                    }
                }
            }
        } finally {
            Checkpoints.deleteRecursively(work);
        }
    }

    /** The CPU's bfloat16 flags from /proc/cpuinfo (avx512_bf16, amx_bf16), or what could not be read. */
    static String bf16Flags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    List<String> found = new ArrayList<>();
                    for (String flag : line.substring(line.indexOf(':') + 1).trim().split(" ")) {
                        if (flag.contains("bf16")) {
                            found.add(flag);
                        }
                    }
                    return found.isEmpty() ? "none (avx512_bf16 / amx_bf16 absent)" : String.join(", ", found);
                }
            }
            return "no flags line in /proc/cpuinfo";
        } catch (java.io.IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static void compare(String name, Map<String, Policy> policies, Fixtures.Model model, int rounds,
                                int threads, List<String> sections) throws Exception {
        Fixtures.GrpoBatch grouped = Fixtures.batch(Fixtures.prompts(BackendBenchmark.PROMPTS,
                BackendBenchmark.PROMPT_WORDS, model.config().vocabSize(), 5), BackendBenchmark.GROUP,
                BackendBenchmark.NEW_TOKENS, model.config().vocabSize(), 11);
        // Every row's prompt distinct, as the benchmark's main training step (16 full rows).
        List<Prompt> distinct = new ArrayList<>();
        for (int r = 0; r < grouped.prompts().size(); r++) {
            Prompt p = grouped.prompts().get(r);
            distinct.add(new Prompt(p.id() + "#" + r, p.text(), p.images()));
        }
        Map<String, FusedComparison.Timed> training = new LinkedHashMap<>();
        Map<String, FusedComparison.Timed> sampling = new LinkedHashMap<>();
        List<Prompt> prompts = Fixtures.prompts(BackendBenchmark.PROMPTS, BackendBenchmark.PROMPT_WORDS,
                model.config().vocabSize(), 5);
        for (Map.Entry<String, Policy> e : policies.entrySet()) {
            Policy policy = e.getValue();
            List<float[]> ref = policy.referenceLogProbs(distinct, grouped.completions());
            TrainingBatch batch = new TrainingBatch(distinct, grouped.completions(), grouped.advantages(), List.of(),
                    ref);
            long[] step = {0};
            training.put(e.getKey(), round -> {
                StepResult r = policy.step(batch, BackendBenchmark.LOSS, BackendBenchmark.ADAM, step[0]++);
                if (!Double.isFinite(r.loss())) {
                    throw new IllegalStateException("loss not finite in " + e.getKey());
                }
            });
            sampling.put(e.getKey(), round -> policy.sample(prompts, new SamplingParams(BackendBenchmark.GROUP, 1.0,
                    1.0, 0, BackendBenchmark.NEW_TOKENS, 1000 + round)));
        }
        if (sections.contains("training")) {
            report(name, "GRPO-D training step", run(training, rounds), threads);
        }
        if (sections.contains("sampling")) {
            report(name, "sampling call", run(sampling, rounds), threads);
        }
    }

    /** @return per dtype, the wall and CPU seconds of each round (after one warm-up call each) */
    private static Map<String, double[][]> run(Map<String, FusedComparison.Timed> work, int rounds) throws Exception {
        Map<String, double[][]> out = new LinkedHashMap<>();
        for (Map.Entry<String, FusedComparison.Timed> e : work.entrySet()) {
            e.getValue().call(-1);
            out.put(e.getKey(), new double[2][rounds]);
        }
        List<String> order = new ArrayList<>(work.keySet());
        Host.CpuSnapshot start = Host.CpuSnapshot.now();
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < order.size(); k++) {
                String dtype = order.get((k + r) % order.size());
                double[] t = FusedComparison.time(work.get(dtype), r);
                out.get(dtype)[0][r] = t[0];
                out.get(dtype)[1][r] = t[1];
            }
        }
        Map<String, Object> cpu = start.elapsed();
        out.put("cpu", new double[][] {{(Double) cpu.get("otherProcessesShare")}});
        return out;
    }

    private static void report(String model, String what, Map<String, double[][]> times, int threads) {
        System.out.printf("%n[dtype] %s, %s (%d libtorch thread(s), %d rounds, other processes' CPU share %.0f%%):%n",
                model, what, threads, times.get("float32")[0].length, 100 * times.get("cpu")[0][0]);
        for (String dtype : DTYPES) {
            double[][] t = times.get(dtype);
            System.out.printf("  %-9s CPU median %.4f s, ratio %.3f | wall median %.4f s, ratio %.3f, min %.4f s%n",
                    dtype, FusedComparison.median(t[1]), FusedComparison.medianRatio(t[1], times.get("float32")[1]),
                    FusedComparison.median(t[0]), FusedComparison.medianRatio(t[0], times.get("float32")[0]),
                    Arrays.stream(t[0]).min().orElse(0));
        }
    }
}
