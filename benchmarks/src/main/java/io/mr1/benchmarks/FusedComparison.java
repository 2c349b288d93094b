package io.mr1.benchmarks;

import io.mr1.api.backend.Policy;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.backend.StepResult;
import io.mr1.api.backend.TrainingBatch;
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
 * The PyTorch backend's fused paths, each switched on alone and all together against the
 * composed reference forms, side by side in one process: every round runs one GRPO-D step
 * (and one sampling call) per setting of {@code mr1.pytorch.fused}, in an order that
 * rotates from round to round, so load from other processes and drift fall on every setting
 * alike. Reports the median time per setting and the median of the per-round ratios to the
 * composed forms, with the other processes' CPU share over the run. Besides wall time it
 * reports the calling thread's CPU time: on one libtorch thread the kernels run on the
 * calling thread, so that figure is what the work costs even when other processes take
 * the cores (the shared build machine), and the comparison rests on it.
 *
 * <p>Usage: {@code FusedComparison [--models tiny,30m] [--rounds N] [--threads N] [--sections
 * training,sampling] [--settings false,kvcache,true]} (settings must include {@code false}, the baseline)
 */
public final class FusedComparison {

    /** The training step's settings: composed, each fused path it uses alone, all fused. */
    static final List<String> TRAINING = List.of("false", "linear", "norm", "attention", "adamw", "true");
    /** The sampling call's settings. */
    static final List<String> SAMPLING = List.of("false", "linear", "norm", "attention", "sample", "kvcache", "true");

    private FusedComparison() {
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
        List<String> only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--models" -> models = List.of(args[++i].split(","));
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--sections" -> sections = List.of(args[++i].split(","));
                case "--settings" -> only = List.of(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; usage: FusedComparison [--models tiny,30m] [--rounds N] [--threads N] [--sections "
                        + "training,sampling] [--settings false,kvcache,true]");
            }
        }
        Path work = Files.createTempDirectory("mr1-fused");
        TorchBackend backend = new TorchBackend();
        try {
            for (String name : models) {
                Fixtures.Model model = Fixtures.create(work.resolve(name), Fixtures.spec(name), 1);
                Fixtures.Model reference = Fixtures.create(work.resolve(name + "-ref"), Fixtures.spec(name), 2);
                try (Policy policy = backend.load(model.dir(), reference.dir(), "cpu")) {
                    ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
                    compare(name, policy, model, rounds, threads, sections, only);
                }
            }
        } finally {
            System.clearProperty("mr1.pytorch.fused");
            Checkpoints.deleteRecursively(work);
        }
    }

    interface Timed {
        void call(int round) throws Exception;
    }

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    /** @return wall seconds and the calling thread's CPU seconds of one call */
    static double[] time(Timed work, int round) throws Exception {
        long cpu = THREADS.getCurrentThreadCpuTime();
        long wall = System.nanoTime();
        work.call(round);
        return new double[] {(System.nanoTime() - wall) / 1e9, (THREADS.getCurrentThreadCpuTime() - cpu) / 1e9};
    }

    private static void compare(String name, Policy policy, Fixtures.Model model, int rounds, int threads,
                                List<String> sections, List<String> only) throws Exception {
        Fixtures.GrpoBatch grouped = Fixtures.batch(Fixtures.prompts(BackendBenchmark.PROMPTS,
                BackendBenchmark.PROMPT_WORDS, model.config().vocabSize(), 5), BackendBenchmark.GROUP,
                BackendBenchmark.NEW_TOKENS, model.config().vocabSize(), 11);
        // Every row's prompt distinct, as the benchmark's main training step (16 full rows).
        List<io.mr1.api.types.Prompt> distinct = new ArrayList<>();
        for (int r = 0; r < grouped.prompts().size(); r++) {
            io.mr1.api.types.Prompt p = grouped.prompts().get(r);
            distinct.add(new io.mr1.api.types.Prompt(p.id() + "#" + r, p.text(), p.images()));
        }
        Fixtures.GrpoBatch b = new Fixtures.GrpoBatch(distinct, grouped.completions(), grouped.advantages());
        List<float[]> ref = policy.referenceLogProbs(b.prompts(), b.completions());
        TrainingBatch batch = new TrainingBatch(b.prompts(), b.completions(), b.advantages(), List.of(), ref);
        long[] step = {0};
        Timed training = round -> {
            StepResult r = policy.step(batch, BackendBenchmark.LOSS, BackendBenchmark.ADAM, step[0]++);
            if (!Double.isFinite(r.loss())) {
                throw new IllegalStateException("loss not finite under mr1.pytorch.fused="
                        + System.getProperty("mr1.pytorch.fused"));
            }
        };
        List<io.mr1.api.types.Prompt> prompts = Fixtures.prompts(BackendBenchmark.PROMPTS, BackendBenchmark.PROMPT_WORDS,
                model.config().vocabSize(), 5);
        Timed sampling = round -> policy.sample(prompts, new SamplingParams(BackendBenchmark.GROUP, 1.0, 1.0, 0,
                BackendBenchmark.NEW_TOKENS, 1000 + round));
        if (sections.contains("training")) {
            List<String> settings = only == null ? TRAINING : only;
            report(name, "training step", settings, run(training, settings, rounds), threads);
        }
        if (sections.contains("sampling")) {
            List<String> settings = only == null ? SAMPLING : only;
            report(name, "sampling call", settings, run(sampling, settings, rounds), threads);
        }
    }

    /** @return per setting, the wall and CPU seconds of each round (after one warm-up call per setting) */
    private static Map<String, double[][]> run(Timed work, List<String> settings, int rounds) throws Exception {
        Map<String, double[][]> out = new LinkedHashMap<>();
        for (String s : settings) {
            System.setProperty("mr1.pytorch.fused", s);
            work.call(-1);
            out.put(s, new double[2][rounds]);
        }
        Host.CpuSnapshot start = Host.CpuSnapshot.now();
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < settings.size(); k++) {
                String s = settings.get((k + r) % settings.size());
                System.setProperty("mr1.pytorch.fused", s);
                double[] t = time(work, r);
                out.get(s)[0][r] = t[0];
                out.get(s)[1][r] = t[1];
            }
        }
        System.clearProperty("mr1.pytorch.fused");
        Map<String, Object> cpu = start.elapsed();
        out.put("cpu", new double[][] {{(Double) cpu.get("otherProcessesShare")}});
        return out;
    }

    private static void report(String model, String what, List<String> settings, Map<String, double[][]> times,
                               int threads) {
        System.out.printf("%n[fused] %s, %s (%d libtorch thread(s), %d rounds, other processes' CPU share %.0f%%):%n",
                model, what, threads, times.get("false")[0].length, 100 * times.get("cpu")[0][0]);
        for (String s : settings) {
            String label = s.equals("false") ? "composed" : s.equals("true") ? "all fused" : s;
            System.out.printf("  %-10s CPU median %.4f s, ratio %.3f | wall median %.4f s, ratio %.3f, min %.4f s%n",
                    label, median(times.get(s)[1]), medianRatio(times.get(s)[1], times.get("false")[1]),
                    median(times.get(s)[0]), medianRatio(times.get(s)[0], times.get("false")[0]),
                    Arrays.stream(times.get(s)[0]).min().orElse(0));
        }
    }

    /** The median over rounds of this setting's time over the composed time of the same round. */
    static double medianRatio(double[] setting, double[] composed) {
        double[] ratios = new double[setting.length];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = setting[i] / composed[i];
        }
        return median(ratios);
    }

    static double median(double[] values) {
        List<Double> sorted = new ArrayList<>();
        for (double v : values) {
            sorted.add(v);
        }
        sorted.sort(Double::compare);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
