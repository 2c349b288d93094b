package io.mr1.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DoubleTensorTest {

    private static DoubleTensor t(double[] v, long... shape) {
        return DoubleTensor.of(v, shape);
    }

    @Test
    void broadcastsAColumnAcrossRows() {
        Tensor m = t(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor col = t(new double[] {10, 20}, 2, 1);
        assertArrayEquals(new double[] {11, 12, 13, 24, 25, 26}, m.add(col).toDoubleArray());
        assertArrayEquals(new long[] {2, 3}, m.add(col).shape());
        Tensor row = t(new double[] {1, 0, -1}, 3);
        assertArrayEquals(new double[] {1, 0, -3, 4, 0, -6}, m.mul(row).toDoubleArray());
        assertThrows(IllegalArgumentException.class, () -> m.add(t(new double[] {1, 2}, 2)));
    }

    @Test
    void reducesAlongAnAxisAndInTotal() {
        Tensor m = t(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertArrayEquals(new double[] {6, 15}, m.sum(1).toDoubleArray());
        assertArrayEquals(new double[] {5, 7, 9}, m.sum(0).toDoubleArray());
        assertArrayEquals(new double[] {6, 15}, m.sum(-1).toDoubleArray());
        assertEquals(21, m.sum().toScalar());
        assertArrayEquals(new long[0], m.sum().shape());
    }

    @Test
    void elementwiseFunctionsAndMasks() {
        Tensor v = t(new double[] {-1, 0, 2}, 3);
        assertArrayEquals(new double[] {-0.5, 0, 1}, v.clip(-0.5, 1).toDoubleArray());
        assertArrayEquals(new double[] {1, 0, 0}, v.lt(0).toDoubleArray());
        assertArrayEquals(new double[] {0, 0, 1}, v.gt(0).toDoubleArray());
        assertArrayEquals(new double[] {Math.exp(-1), 1, Math.exp(2)}, v.exp().toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {-1, 0, 1}, v.minimum(t(new double[] {1}, 1)).toDoubleArray());
        assertArrayEquals(new double[] {1, 1, 2}, v.maximum(t(new double[] {1}, 1)).toDoubleArray());
        assertArrayEquals(new double[] {1, 0, 4}, v.square().toDoubleArray());
        assertArrayEquals(new double[] {2, 3, 5}, v.add(3).toDoubleArray());
        assertArrayEquals(new double[] {2, 0, -4}, v.mul(-2).toDoubleArray(), 0.0);
    }
}
