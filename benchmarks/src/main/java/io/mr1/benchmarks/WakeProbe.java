package io.mr1.benchmarks;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How long one small libtorch matrix product takes when Java work sits between the calls, as
 * it does between the ops of a step: the measure of whether libtorch's OpenMP workers stay hot
 * (spinning) or fall asleep and must be woken for every op. Run it in fresh JVMs under
 * different {@code OMP_WAIT_POLICY} / {@code GOMP_SPINCOUNT} settings, which libgomp reads
 * once when libtorch loads.
 *
 * <p>Usage: {@code WakeProbe [threads] [gap-microseconds...]}; prints the median microseconds
 * of a [84, 64] x [64, 256] product (a tiny-model projection) after each gap, and the process's
 * CPU seconds per wall second (a spinning worker shows as more than one core busy).
 */
public final class WakeProbe {

    private WakeProbe() {
    }

    /**
     * Command-line entry point.
     *
     * @param args thread count, then gaps in microseconds
     */
    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        List<Integer> gaps = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            gaps.add(Integer.parseInt(args[i]));
        }
        if (gaps.isEmpty()) {
            gaps.addAll(List.of(0, 20, 200, 2000));
        }
        ai.djl.engine.Engine.getEngine("PyTorch"); // loads libtorch (and libgomp, which reads its settings now)
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray a = m.randomNormal(new Shape(84, 64));
            NDArray b = m.randomNormal(new Shape(64, 256));
            for (int gap : gaps) {
                for (int i = 0; i < 200; i++) {
                    a.matMul(b).close();
                }
                int reps = 2000;
                double[] micros = new double[reps];
                Host.CpuSnapshot start = Host.CpuSnapshot.now();
                for (int i = 0; i < reps; i++) {
                    busy(gap);
                    long t0 = System.nanoTime();
                    a.matMul(b).close();
                    micros[i] = (System.nanoTime() - t0) / 1e3;
                }
                java.util.Map<String, Object> cpu = start.elapsed();
                java.util.Arrays.sort(micros);
                System.out.printf(Locale.ROOT, "threads %d, gap %5d us: matmul median %.1f us (p90 %.1f us); "
                                + "process CPU %.2f cores; others %.0f%% of the CPUs; OMP_WAIT_POLICY=%s GOMP_SPINCOUNT=%s%n",
                        ai.djl.pytorch.jni.JniUtils.getNumThreads(), gap, micros[reps / 2], micros[reps * 9 / 10],
                        (Double) cpu.get("selfCpuSeconds") / (Double) cpu.get("wallSeconds"),
                        100 * (Double) cpu.get("otherProcessesShare"), System.getenv("OMP_WAIT_POLICY"),
                        System.getenv("GOMP_SPINCOUNT"));
            }
        }
    }

    /** Java work for about {@code micros} microseconds (what the tensor layer does between ops). */
    private static void busy(int micros) {
        long end = System.nanoTime() + micros * 1000L;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
