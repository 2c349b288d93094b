package io.mr1.backend.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.policy.AdamWStep;
import io.mr1.policy.TensorEngine;
import java.util.Random;

/**
 * An engine's AdamW update ({@link TensorEngine#adamW}, fused where the engine has a kernel)
 * against the composed reference {@link AdamWStep#composed}, on two copies of the same
 * parameter and moments over five updates (decay and clipping scale on, then off).
 *
 * <p>Tolerances (relative L2): a fused kernel folds the bias corrections into the rate and
 * epsilon in float32 and may fuse multiply-adds, a few float32 roundings (~1e-7 each) per
 * update, so 1e-5 for the parameter's change and 1e-6 for the moments. The inputs make a
 * formula error visible: the second moments are small (~1e-6) against a large epsilon (1e-3),
 * so an uncorrected epsilon or bias correction changes the step by far more than 1e-3.
 */
final class AdamWChecks {

    static final double STEP_TOLERANCE = 1e-5;
    static final double MOMENT_TOLERANCE = 1e-6;

    private AdamWChecks() {
    }

    static void check(TensorEngine engine) {
        long[] shape = {6, 8};
        int n = 48;
        Random random = new Random(29);
        float[] p = new float[n];
        float[] m = new float[n];
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            p[i] = (float) random.nextGaussian();
            m[i] = (float) (random.nextGaussian() * 1e-3);
            v[i] = (float) (Math.abs(random.nextGaussian()) * 1e-6);
        }
        for (String copy : new String[] {"conformance.fused.", "conformance.reference."}) {
            engine.create(copy + "p", p, shape, true);
            engine.create(copy + "m", m, shape, false);
            engine.create(copy + "v", v, shape, false);
        }
        for (int update = 1; update <= 5; update++) {
            boolean decayAndClip = update <= 3;
            AdamWStep step = new AdamWStep(decayAndClip ? 0.1 : 0.05, 0.9, 0.999, decayAndClip ? 1e-3 : 1e-8,
                    decayAndClip ? 0.1 : 0, decayAndClip ? 0.5 : 1, update);
            double[] g = new double[n];
            for (int i = 0; i < n; i++) {
                g[i] = (float) (random.nextGaussian() * 1e-3);
            }
            float[] before = engine.read("conformance.reference.p");
            engine.scoped(() -> {
                var gradient = engine.tensors().constant(g, shape);
                engine.adamW("conformance.fused.p", "conformance.fused.m", "conformance.fused.v", gradient, step);
                AdamWStep.composed(engine, "conformance.reference.p", "conformance.reference.m",
                        "conformance.reference.v", gradient, step);
                return null;
            });
            double[] fusedStep = difference(engine.read("conformance.fused.p"), before);
            double[] referenceStep = difference(engine.read("conformance.reference.p"), before);
            double err = LayerOpsChecks.relativeError(fusedStep, referenceStep);
            assertTrue(err < STEP_TOLERANCE, "update " + update + ": parameter step error " + err);
            for (String moment : new String[] {"m", "v"}) {
                double e = LayerOpsChecks.relativeError(widen(engine.read("conformance.fused." + moment)),
                        widen(engine.read("conformance.reference." + moment)));
                assertTrue(e < MOMENT_TOLERANCE, "update " + update + ": moment " + moment + " error " + e);
            }
            // Both copies continue from the reference's parameter, so only one update's error is measured each time.
            engine.create("conformance.fused.p", engine.read("conformance.reference.p"), shape, true);
        }
    }

    private static double[] difference(float[] after, float[] before) {
        double[] d = new double[after.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = (double) after[i] - before[i];
        }
        return d;
    }

    private static double[] widen(float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return d;
    }
}
