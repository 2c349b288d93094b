package io.mr1.backend.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.tensor.ComposedOps;
import io.mr1.tensor.DoubleTensor;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * The tensor layer's fused ops (linear, RMSNorm, LayerNorm, SwiGLU gating, attention) against
 * their composed reference forms: the engine's op must give the double-precision engine's
 * composed value, and its gradient (with respect to every input) must equal the gradient of
 * the composed form on the same engine. Tolerances are relative L2 errors: float32 rounds
 * each element to ~6e-8 and the reductions here run over at most 8 terms, so 1e-5 for values
 * (1e-4 for gradients, one backward pass more) leaves a wide margin for rounding, while a
 * formula error (eps outside the root, a mask ignored, a missing bias) is at least 1e-3 with
 * these inputs.
 */
final class LayerOpsChecks {

    static final double VALUE_TOLERANCE = 1e-5;
    static final double GRADIENT_TOLERANCE = 1e-4;

    private LayerOpsChecks() {
    }

    /** One op: its input shapes, fixed inputs (null: random) and how to apply it fused or composed. */
    record Case(String name, long[][] shapes, double[][] fixed, Function<Tensor[], Tensor> fused,
                Function<Tensor[], Tensor> composed) {

        double[][] inputs(Random random) {
            double[][] out = new double[shapes.length][];
            for (int i = 0; i < shapes.length; i++) {
                if (fixed != null && fixed[i] != null) {
                    out[i] = fixed[i];
                    continue;
                }
                long n = 1;
                for (long d : shapes[i]) {
                    n *= d;
                }
                out[i] = new double[(int) n];
                for (int j = 0; j < n; j++) {
                    out[i][j] = (float) (random.nextGaussian() * 1.5); // float: both engines see the same inputs
                }
            }
            return out;
        }
    }

    static List<Case> cases() {
        double[] mask = new double[2 * 3 * 5];
        for (int r = 0; r < 2; r++) {
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 5; j++) {
                    // causal over 3 new keys after 2 cached ones; row 1's first key is padding
                    boolean visible = j <= 2 + i && !(r == 1 && j == 0);
                    mask[(r * 3 + i) * 5 + j] = visible ? 0 : -1e9;
                }
            }
        }
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("linear with bias", new long[][] {{2, 3, 8}, {5, 8}, {5}}, null,
                t -> t[0].linear(t[1], t[2]), t -> ComposedOps.linear(t[0], t[1], t[2])));
        cases.add(new Case("linear without bias", new long[][] {{3, 8}, {5, 8}}, null,
                t -> t[0].linear(t[1], null), t -> ComposedOps.linear(t[0], t[1], null)));
        cases.add(new Case("rmsNorm", new long[][] {{2, 3, 8}, {8}}, null,
                t -> t[0].rmsNorm(t[1], 0.1), t -> ComposedOps.rmsNorm(t[0], t[1], 0.1)));
        cases.add(new Case("layerNorm", new long[][] {{4, 8}, {8}, {8}}, null,
                t -> t[0].layerNorm(t[1], t[2], 0.1), t -> ComposedOps.layerNorm(t[0], t[1], t[2], 0.1)));
        cases.add(new Case("siluMul", new long[][] {{2, 3, 8}, {2, 3, 8}}, null,
                t -> t[0].siluMul(t[1]), t -> ComposedOps.siluMul(t[0], t[1])));
        cases.add(new Case("attention, causal with padding", new long[][] {{2, 2, 3, 4}, {2, 2, 5, 4}, {2, 2, 5, 4},
            {2, 1, 3, 5}}, new double[][] {null, null, null, mask},
                t -> t[0].attention(t[1], t[2], t[3], 0.5), t -> ComposedOps.attention(t[0], t[1], t[2], t[3], 0.5)));
        cases.add(new Case("attention without mask", new long[][] {{2, 2, 4, 4}, {2, 2, 4, 4}, {2, 2, 4, 4}}, null,
                t -> t[0].attention(t[1], t[2], null, 0.5), t -> ComposedOps.attention(t[0], t[1], t[2], null, 0.5)));
        return cases;
    }

    /**
     * Checks every case's value against the double-precision composed form.
     *
     * @param engine a factory of the engine under test
     */
    static void checkValues(TensorFactory engine) {
        Random random = new Random(5);
        for (Case c : cases()) {
            double[][] in = c.inputs(random);
            Tensor[] mine = new Tensor[in.length];
            Tensor[] reference = new Tensor[in.length];
            for (int i = 0; i < in.length; i++) {
                mine[i] = engine.constant(in[i], c.shapes()[i]);
                reference[i] = DoubleTensor.of(in[i], c.shapes()[i]);
            }
            double err = relativeError(c.fused().apply(mine).toDoubleArray(),
                    c.composed().apply(reference).toDoubleArray());
            assertTrue(err < VALUE_TOLERANCE, c.name() + ": value error " + err);
        }
    }

    /** The engine's gradient of a scalar function of one input, as the kit's hook computes it. */
    interface Gradient {
        double[] of(double[] x, long[] shape, Function<Tensor, Tensor> f);
    }

    /**
     * Checks every case's gradient with respect to each (non-mask) input: fused against
     * composed on the same engine, through a random projection of the output to a scalar.
     *
     * @param engine a factory of the engine under test
     * @param gradient the engine's gradient hook
     */
    static void checkGradients(TensorFactory engine, Gradient gradient) {
        Random random = new Random(6);
        for (Case c : cases()) {
            double[][] in = c.inputs(random);
            for (int wrt = 0; wrt < in.length; wrt++) {
                if (c.fixed() != null && c.fixed()[wrt] != null) {
                    continue; // the mask is a constant
                }
                int w = wrt;
                Function<Function<Tensor[], Tensor>, Function<Tensor, Tensor>> withInput = op -> x -> {
                    Tensor[] t = new Tensor[in.length];
                    for (int i = 0; i < in.length; i++) {
                        t[i] = i == w ? x : engine.constant(in[i], c.shapes()[i]);
                    }
                    Tensor out = op.apply(t);
                    double[] weights = new double[(int) count(out.shape())];
                    Random projection = new Random(7);
                    for (int j = 0; j < weights.length; j++) {
                        weights[j] = (float) projection.nextGaussian();
                    }
                    return out.mul(engine.constant(weights, out.shape())).sum();
                };
                double[] fused = gradient.of(in[w], c.shapes()[w], withInput.apply(c.fused()));
                double[] composed = gradient.of(in[w], c.shapes()[w], withInput.apply(c.composed()));
                double err = relativeError(fused, composed);
                assertTrue(err < GRADIENT_TOLERANCE, c.name() + ": gradient error " + err + " for input " + w);
            }
        }
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    static double relativeError(double[] got, double[] want) {
        if (got.length != want.length) {
            return Double.POSITIVE_INFINITY;
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < got.length; i++) {
            num += (got[i] - want[i]) * (got[i] - want[i]);
            den += want[i] * want[i];
        }
        return Math.sqrt(num / Math.max(den, 1e-30));
    }
}
