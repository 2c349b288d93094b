package io.mr1.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DoubleTensorTest {

    private static DoubleTensor t(double[] v, long... shape) {
        return DoubleTensor.of(v, shape);
    }

    /** 0, 1, 2, ... in the given shape, so element values double as flat positions. */
    private static DoubleTensor iota(long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i;
        }
        return DoubleTensor.of(v, shape);
    }

    private static void assertFails(String fragment, Runnable op) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, op::run);
        assertTrue(e.getMessage().contains(fragment), () -> "message '" + e.getMessage() + "' lacks '" + fragment + "'");
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

    @Test
    void roots() {
        Tensor v = t(new double[] {4, 9, 0.25, 0}, 4);
        assertArrayEquals(new double[] {2, 3, 0.5, 0}, v.sqrt().toDoubleArray(), 0.0);
        assertArrayEquals(new double[] {0.5, 1.0 / 3, 2, Double.POSITIVE_INFINITY}, v.rsqrt().toDoubleArray(), 1e-15);
    }

    @Test
    void sigmoidAndTanh() {
        // sigmoid(ln 3) = 3 / (3 + 1); tanh(ln 2) = (2 - 1/2) / (2 + 1/2) = 0.6.
        double ln3 = Math.log(3);
        double ln2 = Math.log(2);
        Tensor x = t(new double[] {0, ln3, -ln3, 1000, -1000}, 5);
        assertArrayEquals(new double[] {0.5, 0.75, 0.25, 1, 0}, x.sigmoid().toDoubleArray(), 1e-15);
        // Far left the result is tiny but must keep its relative precision.
        double e = Math.exp(-50);
        assertEquals(1, t(new double[] {-50}, 1).sigmoid().toScalar() / (e / (1 + e)), 1e-12);
        Tensor y = t(new double[] {0, ln2, -ln2, 1000}, 4);
        assertArrayEquals(new double[] {0, 0.6, -0.6, 1}, y.tanh().toDoubleArray(), 1e-15);
    }

    @Test
    void matmulOfSmallMatrices() {
        Tensor a = t(new double[] {1, 2, 3, 4}, 2, 2);
        Tensor b = t(new double[] {5, 6, 7, 8}, 2, 2);
        // [1*5+2*7, 1*6+2*8; 3*5+4*7, 3*6+4*8]
        assertArrayEquals(new double[] {19, 22, 43, 50}, a.matmul(b).toDoubleArray(), 0.0);
        Tensor c = t(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor d = t(new double[] {7, 8, 9, 10, 11, 12}, 3, 2);
        // [7+18+33, 8+20+36; 28+45+66, 32+50+72]
        Tensor cd = c.matmul(d);
        assertArrayEquals(new long[] {2, 2}, cd.shape());
        assertArrayEquals(new double[] {58, 64, 139, 154}, cd.toDoubleArray(), 0.0);
        // [3, 2] x [2, 3]: row i of d times the columns of c.
        Tensor dc = d.matmul(c);
        assertArrayEquals(new long[] {3, 3}, dc.shape());
        assertArrayEquals(new double[] {39, 54, 69, 49, 68, 87, 59, 82, 105}, dc.toDoubleArray(), 0.0);
        // A row vector and a column vector as matrices: [1, 3] x [3, 1] is a dot product.
        assertArrayEquals(new double[] {1 * 7 + 2 * 9 + 3 * 11},
                c.slice(0, 0, 1).matmul(d.slice(1, 0, 1)).toDoubleArray(), 0.0);
    }

    @Test
    void matmulBroadcastsBatchDimensions() {
        Tensor batch = t(new double[] {1, 2, 3, 4, 0, 1, 1, 0}, 2, 2, 2);
        Tensor b = t(new double[] {5, 6, 7, 8}, 2, 2);
        // [2, 2, 2] x [2, 2]: the second matrix of the batch swaps b's rows.
        Tensor left = batch.matmul(b);
        assertArrayEquals(new long[] {2, 2, 2}, left.shape());
        assertArrayEquals(new double[] {19, 22, 43, 50, 7, 8, 5, 6}, left.toDoubleArray(), 0.0);
        // [2, 2] x [2, 2, 2]: b times [1 2; 3 4] is [5+18, 10+24; 7+24, 14+32]; times the swap, b's columns swap.
        Tensor right = b.matmul(batch);
        assertArrayEquals(new long[] {2, 2, 2}, right.shape());
        assertArrayEquals(new double[] {23, 34, 31, 46, 6, 5, 8, 7}, right.toDoubleArray(), 0.0);
        // Both operands stretch: [2, 1, 1, 2] x [3, 2, 1] -> [2, 3, 1, 1], out[i, j] = a_i . b_j.
        Tensor a4 = t(new double[] {1, 2, 3, 4}, 2, 1, 1, 2);
        Tensor b3 = t(new double[] {1, 0, 0, 1, 1, 1}, 3, 2, 1);
        Tensor both = a4.matmul(b3);
        assertArrayEquals(new long[] {2, 3, 1, 1}, both.shape());
        assertArrayEquals(new double[] {1, 2, 3, 3, 4, 7}, both.toDoubleArray(), 0.0);
    }

    @Test
    void matmulShapes() {
        assertArrayEquals(new long[] {2, 3, 4, 6}, iota(2, 3, 4, 5).matmul(iota(1, 3, 5, 6)).shape());
        assertArrayEquals(new long[] {4, 6}, iota(4, 5).matmul(iota(5, 6)).shape());
        assertArrayEquals(new long[] {2, 3, 4, 7}, iota(2, 1, 4, 5).matmul(iota(3, 5, 7)).shape());
        // Each batch entry of a broadcast product equals the plain product of its matrices.
        Tensor a = iota(2, 1, 4, 5);
        Tensor b = iota(3, 5, 7);
        Tensor out = a.matmul(b);
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                Tensor ai = a.slice(0, i, i + 1).reshape(4, 5);
                Tensor bj = b.slice(0, j, j + 1).reshape(5, 7);
                assertArrayEquals(ai.matmul(bj).toDoubleArray(),
                        out.slice(0, i, i + 1).slice(1, j, j + 1).toDoubleArray(), 0.0);
            }
        }
        assertFails("inner dimensions", () -> iota(2, 3).matmul(iota(2, 3)));
        assertFails("do not broadcast", () -> iota(2, 2, 2).matmul(iota(3, 2, 2)));
        assertFails("rank >= 2", () -> iota(3).matmul(iota(3, 1)));
    }

    @Test
    void softmaxAlongEitherAxis() {
        double ln3 = Math.log(3);
        // [[ln 1, ln 3], [ln 1, ln 1]]
        Tensor m = t(new double[] {0, ln3, 0, 0}, 2, 2);
        assertArrayEquals(new double[] {0.25, 0.75, 0.5, 0.5}, m.softmax(1).toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {0.25, 0.75, 0.5, 0.5}, m.softmax(-1).toDoubleArray(), 1e-15);
        // Down the columns: [1, 1] / 2 and [3, 1] / 4.
        assertArrayEquals(new double[] {0.5, 0.75, 0.5, 0.25}, m.softmax(0).toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {Math.log(0.25), Math.log(0.75), Math.log(0.5), Math.log(0.5)},
                m.logSoftmax(1).toDoubleArray(), 1e-15);
        // ln 1, ln 2, ln 3 -> 1/6, 2/6, 3/6
        Tensor v = t(new double[] {0, Math.log(2), ln3}, 3);
        assertArrayEquals(new double[] {1.0 / 6, 2.0 / 6, 3.0 / 6}, v.softmax(0).toDoubleArray(), 1e-15);
        assertFails("out of range", () -> v.softmax(1));
    }

    @Test
    void softmaxStaysFiniteForLargeInputs() {
        // softmax(1000, 1001) = (1, e) / (1 + e); the naive form overflows to inf / inf.
        double e = Math.E;
        Tensor big = t(new double[] {1000, 1001, -1000, -1001}, 2, 2);
        assertArrayEquals(new double[] {1 / (1 + e), e / (1 + e), e / (1 + e), 1 / (1 + e)},
                big.softmax(-1).toDoubleArray(), 1e-15);
        double l = Math.log(1 + e);
        assertArrayEquals(new double[] {-l, 1 - l, 1 - l, -l}, big.logSoftmax(-1).toDoubleArray(), 1e-13);
        // A gap too large for exp to represent: log-softmax stays exact, not -inf.
        Tensor gap = t(new double[] {0, 1000}, 2);
        assertArrayEquals(new double[] {-1000, 0}, gap.logSoftmax(0).toDoubleArray(), 0.0);
        assertArrayEquals(new double[] {0, 1}, gap.softmax(0).toDoubleArray(), 0.0);

        // Rows sum to one and log-softmax equals log of softmax, along the middle axis of [2, 3, 4].
        double[] vals = new double[24];
        for (int i = 0; i < vals.length; i++) {
            vals[i] = 1000 + 7 * Math.sin(i) * (i % 5);
        }
        Tensor x = t(vals, 2, 3, 4);
        Tensor p = x.softmax(1);
        for (double s : p.sum(1).toDoubleArray()) {
            assertEquals(1, s, 1e-14);
        }
        for (double s : x.softmax(-1).sum(-1).toDoubleArray()) {
            assertEquals(1, s, 1e-14);
        }
        double[] logP = x.logSoftmax(1).toDoubleArray();
        double[] pLog = p.log().toDoubleArray();
        for (int i = 0; i < logP.length; i++) {
            assertTrue(Double.isFinite(logP[i]));
            assertEquals(pLog[i], logP[i], 1e-12);
        }
    }

    @Test
    void sumAndMeanKeepDims() {
        Tensor m = t(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor s0 = m.sum(0, true);
        assertArrayEquals(new long[] {1, 3}, s0.shape());
        assertArrayEquals(new double[] {5, 7, 9}, s0.toDoubleArray(), 0.0);
        Tensor s1 = m.sum(-1, true);
        assertArrayEquals(new long[] {2, 1}, s1.shape());
        assertArrayEquals(new double[] {6, 15}, s1.toDoubleArray(), 0.0);
        assertArrayEquals(new long[] {2}, m.sum(1, false).shape());
        Tensor mean1 = m.mean(1, false);
        assertArrayEquals(new long[] {2}, mean1.shape());
        assertArrayEquals(new double[] {2, 5}, mean1.toDoubleArray(), 1e-15);
        Tensor mean0 = m.mean(0, true);
        assertArrayEquals(new long[] {1, 3}, mean0.shape());
        assertArrayEquals(new double[] {2.5, 3.5, 4.5}, mean0.toDoubleArray(), 1e-15);
        // keepDims lets the reduction broadcast back: centre each row.
        assertArrayEquals(new double[] {-1, 0, 1, -1, 0, 1}, m.sub(m.mean(-1, true)).toDoubleArray(), 1e-15);

        // [2, 3, 2] with x[i, j, k] = 6i + 2j + k: summing j gives 18i + 6 + 3k.
        Tensor c = iota(2, 3, 2);
        assertArrayEquals(new double[] {6, 9, 24, 27}, c.sum(1, false).toDoubleArray(), 0.0);
        assertArrayEquals(new long[] {2, 1, 2}, c.sum(1, true).shape());
        assertArrayEquals(new long[] {2, 1, 2}, c.mean(-2, true).shape());
        assertArrayEquals(new double[] {2, 3, 8, 9}, c.mean(1, true).toDoubleArray(), 1e-15);
        assertArrayEquals(new long[] {3, 2}, c.mean(0, false).shape());
        assertFails("out of range", () -> c.sum(3, true));
        assertFails("out of range", () -> c.mean(-4, false));
    }

    @Test
    void reshapeInfersOneDimension() {
        Tensor m = t(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor r = m.reshape(3, -1);
        assertArrayEquals(new long[] {3, 2}, r.shape());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, r.toDoubleArray(), 0.0);
        assertArrayEquals(new long[] {6}, m.reshape(-1).shape());
        assertArrayEquals(new long[] {3, 2, 1}, m.reshape(-1, 2, 1).shape());
        assertArrayEquals(new long[] {1, 6}, m.reshape(1, 6).shape());
        assertArrayEquals(new long[] {2, 3}, m.shape(), "the operand is unchanged");
        assertArrayEquals(new long[0], t(new double[] {7}, 1, 1).reshape().shape());
        assertEquals(7, DoubleTensor.scalar(7).reshape(1, -1).toScalar());
        assertFails("elements", () -> m.reshape(4, 2));
        assertFails("at most one", () -> m.reshape(-1, -1));
        assertFails("cannot infer", () -> m.reshape(4, -1));
        assertFails("bad dimension", () -> m.reshape(-2, -3));
        assertFails("cannot infer", () -> iota(0, 3).reshape(0, -1));
    }

    @Test
    void transposeSwapsAMatrix() {
        Tensor m = t(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor mt = m.transpose(1, 0);
        assertArrayEquals(new long[] {3, 2}, mt.shape());
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, mt.toDoubleArray(), 0.0);
        assertArrayEquals(mt.toDoubleArray(), m.transpose(-1, -2).toDoubleArray(), 0.0);
        assertArrayEquals(mt.toDoubleArray(), m.transpose().toDoubleArray(), 0.0);
        assertArrayEquals(m.toDoubleArray(), m.transpose(0, 1).toDoubleArray(), 0.0);
    }

    @Test
    void transposePermutesThreeAxes() {
        // x[i, j, k] = 12i + 4j + k on [2, 3, 4]; out axis n is input axis perm[n].
        Tensor x = iota(2, 3, 4);
        Tensor y = x.transpose(2, 0, 1);
        assertArrayEquals(new long[] {4, 2, 3}, y.shape());
        double[] yv = y.toDoubleArray();
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    assertEquals(12 * i + 4 * j + k, yv[(k * 2 + i) * 3 + j], "y[" + k + "," + i + "," + j + "]");
                }
            }
        }
        Tensor z = x.transpose(1, -1, 0);
        assertArrayEquals(new long[] {3, 4, 2}, z.shape());
        double[] zv = z.toDoubleArray();
        for (int j = 0; j < 3; j++) {
            for (int k = 0; k < 4; k++) {
                for (int i = 0; i < 2; i++) {
                    assertEquals(12 * i + 4 * j + k, zv[(j * 4 + k) * 2 + i], "z[" + j + "," + k + "," + i + "]");
                }
            }
        }
        // Attention's head swap [B, T, H, D] -> [B, H, T, D] and back is the identity.
        Tensor a = iota(2, 3, 4, 5);
        assertArrayEquals(a.toDoubleArray(), a.transpose(0, 2, 1, 3).transpose(0, 2, 1, 3).toDoubleArray(), 0.0);
        assertArrayEquals(new long[] {4, 3, 2}, x.transpose().shape());
        assertFails("needs 3 axes", () -> x.transpose(1, 0));
        assertFails("not a permutation", () -> x.transpose(0, 0, 1));
        assertFails("not a permutation", () -> x.transpose(0, -3, 1));
        assertFails("out of range", () -> x.transpose(0, 1, 3));
    }

    @Test
    void sliceAlongAnAxis() {
        // [3, 4] with x[i, j] = 4i + j.
        Tensor x = iota(3, 4);
        Tensor cols = x.slice(1, 1, 3);
        assertArrayEquals(new long[] {3, 2}, cols.shape());
        assertArrayEquals(new double[] {1, 2, 5, 6, 9, 10}, cols.toDoubleArray(), 0.0);
        Tensor row = x.slice(0, 2, 3);
        assertArrayEquals(new long[] {1, 4}, row.shape());
        assertArrayEquals(new double[] {8, 9, 10, 11}, row.toDoubleArray(), 0.0);
        assertArrayEquals(new double[] {3, 7, 11}, x.slice(-1, 3, 4).toDoubleArray(), 0.0);
        assertArrayEquals(x.toDoubleArray(), x.slice(0, 0, 3).toDoubleArray(), 0.0);
        assertArrayEquals(new long[] {3, 0}, x.slice(1, 2, 2).shape());
        // Middle axis of [2, 3, 2]: x[i, j, k] = 6i + 2j + k, j in [1, 2).
        assertArrayEquals(new double[] {2, 3, 8, 9}, iota(2, 3, 2).slice(1, 1, 2).toDoubleArray(), 0.0);
        assertFails("out of range", () -> x.slice(1, 3, 5));
        assertFails("out of range", () -> x.slice(1, 2, 1));
        assertFails("out of range", () -> x.slice(0, -1, 2));
        assertFails("out of range", () -> x.slice(2, 0, 1));
    }

    @Test
    void gatherLastPicksOneValuePerPosition() {
        // [2, 2, 3] logits 0..11 and ids [[2, 0], [1, 1]]: x[b, t, ids[b, t]] = 6b + 3t + id.
        Tensor x = iota(2, 2, 3);
        Tensor ids = DoubleTensor.FACTORY.indices(new long[] {2, 0, 1, 1}, 2, 2);
        Tensor g = x.gatherLast(ids);
        assertArrayEquals(new long[] {2, 2}, g.shape());
        assertArrayEquals(new double[] {2, 3, 7, 10}, g.toDoubleArray(), 0.0);
        // A vector with a scalar index gives a scalar.
        Tensor v = t(new double[] {5, 6, 7}, 3);
        Tensor s = v.gatherLast(DoubleTensor.scalar(1));
        assertArrayEquals(new long[0], s.shape());
        assertEquals(6, s.toScalar());
        assertFails("not an integer in [0, 3)", () -> x.gatherLast(t(new double[] {0, 3, 0, 0}, 2, 2)));
        assertFails("not an integer in [0, 3)", () -> x.gatherLast(t(new double[] {0, -1, 0, 0}, 2, 2)));
        assertFails("not an integer in [0, 3)", () -> x.gatherLast(t(new double[] {0, 1.5, 0, 0}, 2, 2)));
        assertFails("needs indices of shape [2, 2]", () -> x.gatherLast(t(new double[] {0, 0}, 2)));
        assertFails("needs indices of shape", () -> DoubleTensor.scalar(1).gatherLast(DoubleTensor.scalar(0)));
    }

    @Test
    void rowsLooksUpEmbeddings() {
        Tensor table = t(new double[] {1, 2, 3, 4, 5, 6}, 3, 2);
        Tensor ids = DoubleTensor.FACTORY.indices(new long[] {2, 0, 1, 2}, 2, 2);
        Tensor e = table.rows(ids);
        assertArrayEquals(new long[] {2, 2, 2}, e.shape());
        assertArrayEquals(new double[] {5, 6, 1, 2, 3, 4, 5, 6}, e.toDoubleArray(), 0.0);
        Tensor one = table.rows(DoubleTensor.scalar(1));
        assertArrayEquals(new long[] {2}, one.shape());
        assertArrayEquals(new double[] {3, 4}, one.toDoubleArray(), 0.0);
        assertArrayEquals(new long[] {3, 2}, table.rows(t(new double[] {0, 0, 0}, 3)).shape());
        assertFails("not an integer in [0, 3)", () -> table.rows(t(new double[] {3}, 1)));
        assertFails("[N, D]", () -> iota(2, 2, 2).rows(DoubleTensor.scalar(0)));
    }

    @Test
    void factoryConcatenatesAlongAnAxis() {
        TensorFactory f = DoubleTensor.FACTORY;
        Tensor a = f.constant(new double[] {1, 2, 3, 4}, 2, 2);
        Tensor b = f.constant(new double[] {5, 6}, 1, 2);
        Tensor rows = f.concat(List.of(a, b), 0);
        assertArrayEquals(new long[] {3, 2}, rows.shape());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, rows.toDoubleArray(), 0.0);
        Tensor c = f.constant(new double[] {7, 8}, 2, 1);
        Tensor cols = f.concat(List.of(a, c), 1);
        assertArrayEquals(new long[] {2, 3}, cols.shape());
        assertArrayEquals(new double[] {1, 2, 7, 3, 4, 8}, cols.toDoubleArray(), 0.0);
        // Rows [7 | 1 2 | 7 | 7] and [8 | 3 4 | 8 | 8].
        assertArrayEquals(new double[] {7, 1, 2, 7, 7, 8, 3, 4, 8, 8},
                f.concat(List.of(c, a, c, c), -1).toDoubleArray(), 0.0);
        assertArrayEquals(new long[] {2, 5}, f.concat(List.of(c, a, c, c), -1).shape());
        // Middle axis of [2, 1, 2] and [2, 2, 2]; the left part is all -1.
        Tensor left = f.constant(new double[] {-1, -1, -1, -1}, 2, 1, 2);
        Tensor mid = f.concat(List.of(left, iota(2, 2, 2)), 1);
        assertArrayEquals(new long[] {2, 3, 2}, mid.shape());
        assertArrayEquals(new double[] {-1, -1, 0, 1, 2, 3, -1, -1, 4, 5, 6, 7}, mid.toDoubleArray(), 0.0);
        assertArrayEquals(a.toDoubleArray(), f.concat(List.of(a), 0).toDoubleArray(), 0.0);
        // An empty part (a zero-width slice) contributes nothing.
        assertArrayEquals(a.toDoubleArray(), f.concat(List.of(a.slice(1, 0, 0), a), 1).toDoubleArray(), 0.0);
        assertFails("does not match", () -> f.concat(List.of(a, f.constant(new double[] {1, 2, 3}, 1, 3)), 0));
        assertFails("does not match", () -> f.concat(List.of(a, b), 1));
        assertFails("does not match", () -> f.concat(List.of(a, f.constant(new double[] {1, 2}, 2)), 0));
        assertFails("no tensors", () -> f.concat(List.of(), 0));
        assertFails("out of range", () -> f.concat(List.of(a, a), 2));
        assertFails("fill shape", () -> f.constant(new double[] {1, 2, 3}, 2, 2));
    }

    @Test
    void erfMatchesTabulatedValues() {
        // erf at 0, 0.5, 1, -2, 3 and 7 (to double precision).
        double[] x = {0, 0.5, 1, -2, 3, 7};
        double[] expected = {0, 0.5204998778130465, 0.8427007929497149, -0.9953222650189527, 0.9999779095030014, 1};
        double[] got = DoubleTensor.of(x, 6).erf().toDoubleArray();
        for (int i = 0; i < x.length; i++) {
            org.junit.jupiter.api.Assertions.assertEquals(expected[i], got[i], 1e-15, "erf(" + x[i] + ")");
        }
    }
}
