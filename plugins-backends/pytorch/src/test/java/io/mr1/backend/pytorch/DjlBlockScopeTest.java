package io.mr1.backend.pytorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import org.junit.jupiter.api.Test;

/**
 * TensorFactory#keepOnly on libtorch: what a block does not return is closed when it returns;
 * keepOnlyReleasing also closes its input when an earlier block returned it.
 */
class DjlBlockScopeTest {

    @Test
    void aBlockReleasesItsIntermediatesAndKeepsItsResult() {
        try (DjlEngine engine = new DjlEngine(NDManager.newBaseManager(Device.cpu(), "PyTorch"))) {
            engine.create("w", new float[] {1, 2, 3}, new long[] {3}, false);
            TensorFactory f = engine.tensors();
            Tensor[] inside = new Tensor[1];
            double[] kept = engine.scoped(() -> {
                Tensor x = f.constant(new double[] {1, 1, 1}, 3);
                Tensor[] out = f.keepOnly(() -> {
                    inside[0] = x.mul(2.0);
                    return new Tensor[] {inside[0].add(engine.variable("w")), engine.variable("w")};
                });
                assertTrue(((DjlTensor) inside[0]).array.isReleased(), "the intermediate is closed with the block");
                assertFalse(((DjlTensor) x).array.isReleased(), "a tensor made before the block is not");
                return out[0].add(out[1]).toDoubleArray();
            });
            assertArrayEquals(new double[] {4, 6, 8}, kept, 0);
            // A variable returned by a block is kept as a view; closing the scope leaves the variable itself.
            assertArrayEquals(new float[] {1, 2, 3}, engine.read("w"), 0f);
        }
    }

    @Test
    void aChainedBlockReleasesThePreviousBlocksOutputButNotOtherInputs() {
        try (DjlEngine engine = new DjlEngine(NDManager.newBaseManager(Device.cpu(), "PyTorch"))) {
            engine.create("w", new float[] {1, 2, 3}, new long[] {3}, false);
            TensorFactory f = engine.tensors();
            double[] result = engine.scoped(() -> {
                Tensor x = f.constant(new double[] {1, 1, 1}, 3);
                Tensor w = engine.variable("w");
                // Inputs that no earlier block returned (a tensor of this scope, a variable) stay.
                Tensor first = f.keepOnlyReleasing(x, () -> new Tensor[] {x.add(w)})[0];
                assertFalse(((DjlTensor) x).array.isReleased(), "a tensor of the enclosing scope is not released");
                f.keepOnlyReleasing(w, () -> new Tensor[] {w.mul(2.0)});
                assertFalse(((DjlTensor) w).array.isReleased(), "a variable is not released");
                // A block output passed on is released once the next block returns.
                Tensor second = f.keepOnlyReleasing(first, () -> new Tensor[] {first.mul(2.0)})[0];
                assertTrue(((DjlTensor) first).array.isReleased(), "the previous block's output is released");
                return second.toDoubleArray();
            });
            assertArrayEquals(new double[] {4, 6, 8}, result, 0);
            assertArrayEquals(new float[] {1, 2, 3}, engine.read("w"), 0f);
        }
    }

    @Test
    void gradientsFlowThroughChainedBlocksWhoseInputsWereReleased() {
        try (DjlEngine engine = new DjlEngine(NDManager.newBaseManager(Device.cpu(), "PyTorch"))) {
            engine.create("w", new float[] {1, 2, 3}, new long[] {3}, true);
            TensorFactory f = engine.tensors();
            double[] loss = engine.scoped(() -> engine.backward(() -> {
                Tensor w = engine.variable("w");
                Tensor a = f.keepOnly(() -> new Tensor[] {w.square()})[0]; // w^2
                Tensor b = f.keepOnlyReleasing(a, () -> new Tensor[] {a.mul(a)})[0]; // w^4, backward needs a
                Tensor c = f.keepOnlyReleasing(b, () -> new Tensor[] {b.mul(0.5)})[0];
                return new Tensor[] {c.sum()};
            }));
            assertEquals(0.5 * (1 + 16 + 81), loss[0], 1e-4);
            float[] grad = engine.scoped(() -> engine.gradient("w").toFloatArray());
            assertArrayEquals(new float[] {2, 16, 54}, grad, 1e-3f); // d(0.5 w^4) = 2 w^3
        }
    }

    @Test
    void gradientsFlowThroughBlocksWhoseHandlesWereReleased() {
        try (DjlEngine engine = new DjlEngine(NDManager.newBaseManager(Device.cpu(), "PyTorch"))) {
            engine.create("w", new float[] {1, 2, 3}, new long[] {3}, true);
            TensorFactory f = engine.tensors();
            double[] loss = engine.scoped(() -> engine.backward(() -> {
                Tensor w = engine.variable("w");
                Tensor y = f.keepOnly(() -> new Tensor[] {w.square().mul(3.0).exp().log()})[0]; // 3 w^2
                return new Tensor[] {y.sum()};
            }));
            assertEquals(42.0, loss[0], 1e-4);
            float[] grad = engine.scoped(() -> engine.gradient("w").toFloatArray());
            assertArrayEquals(new float[] {6, 12, 18}, grad, 1e-4f);
        }
    }
}
