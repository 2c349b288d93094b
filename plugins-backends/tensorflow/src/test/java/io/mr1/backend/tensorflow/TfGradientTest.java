package io.mr1.backend.tensorflow;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every tensor operation's graph gradient against central finite differences of its eager
 * value, one operation at a time: TF's C++ gradient registry (what TF Java differentiates
 * with) differs from Python's, and a wrong or missing gradient shows up here by name.
 */
class TfGradientTest {

    private TfEngine engine;

    @BeforeEach
    void open() {
        engine = new TfEngine();
    }

    @AfterEach
    void close() {
        engine.close();
    }

    /** Checks d sum(f(x) * w)/dx for a fixed random weighting w, with x of the given shape. */
    private void check(String what, long[] shape, BiFunction<Tensor, TensorFactory, Tensor> f) {
        Random random = new Random(what.hashCode());
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextGaussian() * 0.7 + 0.1);
        }
        engine.create("x", x, shape, true);
        long[] outShape = engine.scoped(() -> f.apply(engine.variable("x"), engine.tensors()).shape());
        int m = 1;
        for (long d : outShape) {
            m *= (int) d;
        }
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            w[i] = random.nextGaussian();
        }
        engine.scoped(() -> engine.backward(() -> new Tensor[] {
            f.apply(engine.variable("x"), engine.tensors()).mul(engine.tensors().constant(w, outShape)).sum()}));
        double[] grad = engine.scoped(() -> engine.gradient("x").toDoubleArray());
        engine.zeroGradients();
        double h = 1e-2;
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double[] values = new double[2];
            for (int s = 0; s < 2; s++) {
                float[] moved = x.clone();
                moved[i] += (float) (s == 0 ? h : -h);
                values[s] = engine.scoped(() -> f.apply(engine.tensors().constant(moved, shape), engine.tensors())
                        .mul(engine.tensors().constant(w, outShape)).sum().toScalar());
            }
            double numeric = (values[0] - values[1]) / (2 * h);
            worst = Math.max(worst, Math.abs(numeric - grad[i]) / Math.max(1, Math.abs(numeric)));
        }
        assertTrue(worst < 2e-2, what + ": gradient off by " + worst);
    }

    @Test
    void elementwise() {
        check("exp", new long[] {2, 3}, (x, f) -> x.exp());
        check("log", new long[] {2, 3}, (x, f) -> x.square().add(1).log());
        check("rsqrt", new long[] {2, 3}, (x, f) -> x.square().add(1).rsqrt());
        check("sigmoid", new long[] {2, 3}, (x, f) -> x.sigmoid());
        check("tanh", new long[] {2, 3}, (x, f) -> x.tanh());
        check("erf", new long[] {2, 3}, (x, f) -> x.erf());
        check("div", new long[] {2, 3}, (x, f) -> f.constant(new double[] {1, 2, 3}, 3).div(x.square().add(1)));
        check("broadcast mul", new long[] {2, 1}, (x, f) -> x.mul(f.constant(new double[] {1, 2, 3}, 1, 3)));
    }

    @Test
    void reductionsAndSoftmax() {
        check("sum axis", new long[] {2, 3, 4}, (x, f) -> x.sum(1));
        check("mean keep", new long[] {2, 3, 4}, (x, f) -> x.mean(-1, true));
        check("softmax last", new long[] {2, 3, 4}, (x, f) -> x.softmax(-1));
        check("softmax middle", new long[] {2, 3, 4}, (x, f) -> x.softmax(1));
        check("logSoftmax", new long[] {2, 3, 4}, (x, f) -> x.logSoftmax(-1));
    }

    @Test
    void shapes() {
        check("reshape", new long[] {2, 3, 4}, (x, f) -> x.reshape(6, -1));
        check("transpose", new long[] {2, 3, 4}, (x, f) -> x.transpose(2, 0, 1));
        check("slice", new long[] {2, 5, 3}, (x, f) -> x.slice(1, 1, 4));
        check("concat", new long[] {2, 3}, (x, f) -> f.concat(List.of(x, x.mul(2), x.slice(1, 0, 1)), 1));
    }

    @Test
    void products() {
        check("matmul 2x2", new long[] {3, 4}, (x, f) -> x.matmul(x.transpose(1, 0)));
        check("matmul by weight", new long[] {2, 3, 4}, (x, f) -> x.matmul(f.constant(new double[] {
            1, 2, 0, -1, 0.5, 3, -2, 1}, 4, 2)));
        check("weight operand", new long[] {4, 2}, (x, f) -> f.constant(new double[24], 2, 3, 4).add(1).matmul(x));
        check("batched", new long[] {2, 3, 4}, (x, f) -> x.matmul(x.transpose(0, 2, 1)));
        check("broadcast batch", new long[] {1, 4, 2}, (x, f) -> f.constant(new double[24], 3, 2, 4).add(0.5).matmul(x));
    }

    @Test
    void lookups() {
        check("rows", new long[] {5, 3}, (x, f) -> x.rows(f.indices(new long[] {4, 0, 4, 2}, 2, 2)));
        check("gatherLast", new long[] {2, 3, 5}, (x, f) -> x.gatherLast(f.indices(new long[] {0, 4, 2, 1, 1, 3}, 2, 3)));
        check("clip", new long[] {3, 4}, (x, f) -> x.clip(-0.3, 0.5));
        check("minimum", new long[] {3, 4}, (x, f) -> x.minimum(x.mul(0.5).add(0.2)));
    }
}
