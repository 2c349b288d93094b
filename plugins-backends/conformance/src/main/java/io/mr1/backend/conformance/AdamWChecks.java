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

    /**
     * AdamW on bfloat16 parameters through float32 masters: the engine's update against the
     * composed reference on two copies over three updates at lr 1e-6 (the paper's rate). Masters
     * within two float32 spacings, moments within the tolerance above; every parameter exactly its
     * master rounded to nearest even; the masters moved by about lr per update while, for the
     * weights of ~0.02 drawn here (bfloat16 spacing 2^-13 = 1.2e-4), the same update applied to the
     * bfloat16 value itself rounds back to it: without masters the step would be lost.
     *
     * @param engine an engine holding bfloat16
     */
    static void checkMasters(TensorEngine engine) {
        long[] shape = {6, 8};
        int n = 48;
        Random random = new Random(31);
        java.nio.ByteBuffer p = java.nio.ByteBuffer.allocateDirect(4 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        float[] m = new float[n];
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            // Weights of a trained model's size (~0.02): bfloat16 spacing 2^-13 there, float32's 2^-29.
            p.putFloat((float) (0.02 + random.nextGaussian() * 0.002));
            // Moments as check() draws them: a fused kernel's float32 (1 - beta2) differs from the
            // reference's by 1.3e-5 relative, which would dominate moments that start at zero.
            m[i] = (float) (random.nextGaussian() * 1e-3);
            v[i] = (float) (Math.abs(random.nextGaussian()) * 1e-6);
        }
        p.flip();
        for (String copy : new String[] {"conformance.fused.", "conformance.reference."}) {
            engine.create(copy + "p", p, "F32", shape, true, "bfloat16");
            engine.create(copy + "master", engine.read(copy + "p"), shape, false);
            engine.create(copy + "m", m, shape, false);
            engine.create(copy + "v", v, shape, false);
        }
        float[] start = engine.read("conformance.reference.p");
        for (int update = 1; update <= 3; update++) {
            AdamWStep step = new AdamWStep(1e-6, 0.9, 0.999, 1e-8, update == 1 ? 0.1 : 0, 1, update);
            double[] g = new double[n];
            for (int i = 0; i < n; i++) {
                g[i] = random.nextGaussian() * 1e-3;
            }
            float[] before = engine.read("conformance.reference.master");
            engine.scoped(() -> {
                var gradient = engine.tensors().constant(g, shape);
                engine.adamW("conformance.fused.p", "conformance.fused.master", "conformance.fused.m",
                        "conformance.fused.v", gradient, step);
                AdamWStep.composed(engine, "conformance.reference.p", "conformance.reference.master",
                        "conformance.reference.m", "conformance.reference.v", gradient, step);
                return null;
            });
            float[] fusedMaster = engine.read("conformance.fused.master");
            float[] referenceMaster = engine.read("conformance.reference.master");
            double[] referenceStep = difference(referenceMaster, before);
            for (int i = 0; i < n; i++) {
                // The two may round the decay and the step differently, by at most two float32 spacings
                // (3.7e-9 here, against steps of ~3e-7: a wrong bias correction or decay shows).
                assertTrue(Math.abs(fusedMaster[i] - referenceMaster[i]) <= 2 * Math.ulp(referenceMaster[i]),
                        "update " + update + ": master " + i + " " + fusedMaster[i] + " vs " + referenceMaster[i]);
            }
            for (String moment : new String[] {"m", "v"}) {
                double e = LayerOpsChecks.relativeError(widen(engine.read("conformance.fused." + moment)),
                        widen(engine.read("conformance.reference." + moment)));
                assertTrue(e < MOMENT_TOLERANCE, "update " + update + ": moment " + moment + " error " + e);
            }
            for (String copy : new String[] {"conformance.fused.", "conformance.reference."}) {
                float[] master = engine.read(copy + "master");
                float[] param = engine.read(copy + "p");
                for (int i = 0; i < n; i++) {
                    assertTrue(param[i] == roundToBfloat16(master[i]), copy + "p[" + i + "] = " + param[i]
                            + " is not its master " + master[i] + " rounded to bfloat16");
                }
            }
            for (int i = 0; i < n; i++) {
                // Each update moves a master by at most a few lr (Adam's normalised step): far below bfloat16's half spacing.
                assertTrue(referenceStep[i] != 0 && Math.abs(referenceStep[i]) < 1e-5,
                        "update " + update + ": master step " + referenceStep[i]);
                float weight = roundToBfloat16(before[i]);
                assertTrue(roundToBfloat16((float) (weight + referenceStep[i])) == weight, "a plain bfloat16 update of "
                        + weight + " by " + referenceStep[i] + " would not round back");
            }
            // The fused copy continues from the reference's state, so only one update's error is measured each time.
            engine.create("conformance.fused.master", engine.read("conformance.reference.master"), shape, false);
        }
        float[] master = engine.read("conformance.reference.master");
        float[] param = engine.read("conformance.reference.p");
        double moved = 0;
        for (int i = 0; i < n; i++) {
            moved = Math.max(moved, Math.abs(master[i] - start[i]));
            assertTrue(param[i] == start[i], "three steps of 1e-6 stay below bfloat16's spacing at 0.02");
        }
        assertTrue(moved > 3e-7, "the masters kept the updates: largest move " + moved);
    }

    /** Float to the nearest bfloat16 (ties to even), as a float. */
    static float roundToBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        return Float.intBitsToFloat(((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) << 16);
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
