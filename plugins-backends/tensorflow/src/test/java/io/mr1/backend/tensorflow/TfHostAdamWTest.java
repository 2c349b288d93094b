package io.mr1.backend.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.policy.AdamWStep;
import io.mr1.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The host AdamW of {@link TfEngine}: with a gradient from a backward pass (a host-backed
 * tensor) it gives the composed reference's bits, the new values reach the next graph run, and
 * a handed-out gradient tensor keeps its value when the engine's gradient changes.
 */
class TfHostAdamWTest {

    private static final long[] SHAPE = {5, 7};

    /** Loss sum((w * c)^2): gradient 2 c^2 w. */
    private static void backward(TfEngine engine, String variable, float[] c) {
        engine.scoped(() -> engine.backward(() -> new Tensor[] {
            engine.variable(variable).mul(engine.tensors().constant(c, SHAPE)).square().sum()}));
    }

    @Test
    void hostUpdateGivesTheComposedReferencesBits() {
        Random random = new Random(5);
        float[] w = new float[35];
        float[] c = new float[35];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
            c[i] = (float) (random.nextGaussian() * 1e-2);
        }
        try (TfEngine engine = new TfEngine()) {
            for (String copy : new String[] {"host.", "reference."}) {
                engine.create(copy + "w", w, SHAPE, true);
                engine.create(copy + "m", new float[35], SHAPE, false);
                engine.create(copy + "v", new float[35], SHAPE, false);
            }
            for (int update = 1; update <= 3; update++) {
                backward(engine, "host.w", c);
                backward(engine, "reference.w", c);
                AdamWStep step = new AdamWStep(1e-2, 0.9, 0.999, 1e-8, update == 1 ? 0.1 : 0,
                        update == 2 ? 0.5 : 1, update);
                double norm = engine.scoped(() -> {
                    Tensor hostGradient = engine.gradient("host.w");
                    // the reference from a plain TF constant of the same values, through eager TF operations
                    Tensor referenceGradient = engine.tensors().constant(engine.gradient("reference.w").toFloatArray(),
                            SHAPE);
                    engine.adamW("host.w", "host.m", "host.v", hostGradient, step);
                    AdamWStep.composed(engine, "reference.w", "reference.m", "reference.v", referenceGradient, step);
                    return engine.sumOfSquares(List.of(hostGradient)).toScalar();
                });
                engine.zeroGradients();
                float[] now = engine.read("reference.w");
                assertTrue(norm > 0, "gradient norm");
                for (String name : new String[] {"w", "m", "v"}) {
                    assertArrayEquals(engine.read("reference." + name), engine.read("host." + name),
                            "update " + update + ": " + name);
                }
                // the next graph run reads the updated values, not a stale TF copy
                float[] doubled = engine.evaluate(() -> engine.variable("host.w").mul(2.0));
                for (int i = 0; i < now.length; i++) {
                    assertEquals(2 * now[i], doubled[i], 0f, "graph reads the updated w[" + i + "]");
                }
            }
        }
    }

    @Test
    void aHandedOutGradientKeepsItsValue() {
        float[] w = {1f, 2f, 3f};
        float[] c = {1f, 1f, 1f};
        try (TfEngine engine = new TfEngine()) {
            engine.create("w", w, new long[] {3}, true);
            engine.scoped(() -> engine.backward(() -> new Tensor[] {engine.variable("w").square().sum()}));
            engine.scoped(() -> {
                Tensor g = engine.gradient("w");
                engine.backward(() -> new Tensor[] {engine.variable("w").mul(engine.tensors().constant(c, 3)).sum()});
                assertArrayEquals(new float[] {2f, 4f, 6f}, g.toFloatArray(), "after another backward");
                assertArrayEquals(new float[] {3f, 5f, 7f}, engine.gradient("w").toFloatArray(), "accumulated");
                Tensor h = engine.gradient("w");
                engine.zeroGradients();
                assertArrayEquals(new float[] {3f, 5f, 7f}, h.toFloatArray(), "after zeroing");
                assertArrayEquals(new float[] {6f, 10f, 14f}, h.mul(2.0).toFloatArray(), "as a TF operand");
                assertArrayEquals(new float[] {0f, 0f, 0f}, engine.gradient("w").toFloatArray(), "zeroed");
                return null;
            });
        }
    }
}
