package io.mr1.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness works end to end on a very small model, in seconds (the real run is by hand). */
class BackendBenchmarkSmokeTest {

    @Test
    @SuppressWarnings("unchecked")
    void everySectionRunsOnAMicroModelAndTheReportIsWritten(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("report.json");
        // The memory limit is off: surefire's JVM does not pin the heap, so its RSS means little here.
        // One libtorch thread: two stall each other when a parallel build shares the CPUs.
        Map<String, Object> report = BackendBenchmark.run(BackendBenchmark.Options.parse("--quick", "--models",
                "micro", "--memory-model", "micro", "--memory-steps", "4", "--memory-every", "2",
                "--max-rss-growth", "1e9", "--threads", "1", "--gemm-size", "128", "--sections",
                "memory,sampling,training,overhead,tensorflow", "--out", out.toString()));
        assertEquals(Boolean.TRUE, report.get("passed"));
        Map<String, Object> overhead = (Map<String, Object>) ((Map<String, Object>) report.get("overhead")).get("micro");
        assertTrue((Double) overhead.get("ratioOfMedians") > 0);
        double[] q = (double[]) overhead.get("pairRatioQuartiles");
        assertTrue(q[0] > 0 && q[0] <= q[2] && q[2] <= q[4], java.util.Arrays.toString(q));
        Map<String, Object> check = (Map<String, Object>) overhead.get("check");
        assertTrue((Double) check.get("lossRelDiff") <= BackendBenchmark.LOSS_TOLERANCE);
        Map<String, Object> sampling = (Map<String, Object>) ((Map<String, Object>) report.get("sampling")).get("micro");
        assertTrue((Double) sampling.get("tokensPerSecond") > 0);
        Map<String, Object> ceiling = (Map<String, Object>) report.get("gemm_ceiling_gflops");
        assertTrue((Double) ceiling.get("threads_1") > 0, ceiling.toString());
        Map<String, Object> tf = (Map<String, Object>) ((Map<String, Object>) report.get("tensorflow")).get("micro");
        Map<String, Object> tfTraining = (Map<String, Object>) tf.get("training");
        assertTrue((Double) tfTraining.get("ratioOfMedians") > 0, tf.toString());
        String json = Files.readString(out);
        assertTrue(json.contains("\"tokensPerSecond\"") && json.contains("\"mfuVsCeiling\"")
                && json.contains("\"rssEndMiB\""), json);
    }

    @Test
    void quartilesInterpolateBetweenOrderStatistics() {
        // numpy.percentile([3, 1, 4, 1, 5], [0, 25, 50, 75, 100]) (linear) = 1, 1, 3, 4, 5
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {1, 1, 3, 4, 5},
                BackendBenchmark.quartiles(java.util.List.of(3.0, 1.0, 4.0, 1.0, 5.0)), 1e-12);
        // numpy.percentile([1, 2, 3, 4], [25, 50, 75]) = 1.75, 2.5, 3.25
        double[] q = BackendBenchmark.quartiles(java.util.List.of(4.0, 1.0, 3.0, 2.0));
        assertEquals(1.75, q[1], 1e-12);
        assertEquals(2.5, q[2], 1e-12);
        assertEquals(3.25, q[3], 1e-12);
    }

    @Test
    void argumentsParse() {
        BackendBenchmark.Options o = BackendBenchmark.Options.parse("--quick --models tiny", "");
        assertTrue(o.quick());
        assertEquals(300, o.memorySteps());
        assertEquals(1000, BackendBenchmark.Options.parse().memorySteps());
        assertEquals(java.util.List.of("tiny"), o.models());
        // the profile section runs only when named
        assertTrue(!BackendBenchmark.Options.parse().sections().contains("profile"));
        assertEquals(java.util.Set.of("profile"), BackendBenchmark.Options.parse("--sections profile").sections());
    }
}
