package io.mr1.tensor;

import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/**
 * A pure-Java, double-precision {@link Tensor} without gradients: the reference engine.
 * Code written on the tensor layer (the GRPO-D loss) runs on it to give the value every
 * backend must reproduce. Not meant to be fast.
 *
 * <p>Instances are immutable: the backing array is never written after construction, so
 * {@link #reshape} and {@link #detach} may share it.
 */
public final class DoubleTensor implements Tensor {

    /** The factory for this engine. */
    public static final TensorFactory FACTORY = new Factory();

    private static final class Factory implements TensorFactory {

        @Override
        public Tensor constant(double[] values, long... shape) {
            return of(values, shape);
        }

        @Override
        public Tensor concat(List<Tensor> parts, int axis) {
            return DoubleTensor.concat(parts, axis);
        }

        @Override
        public String toString() {
            return "DoubleTensor.FACTORY";
        }
    }

    private final double[] data;
    private final int[] shape;

    private DoubleTensor(double[] data, int[] shape) {
        this.data = data;
        this.shape = shape;
    }

    /**
     * Creates a tensor.
     *
     * @param values row-major values (copied)
     * @param shape the shape; empty for a scalar
     * @return the tensor
     */
    public static DoubleTensor of(double[] values, long... shape) {
        int[] s = new int[shape.length];
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0 || shape[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("bad dimension " + shape[i]);
            }
            s[i] = (int) shape[i];
            n *= shape[i];
        }
        if (n != values.length) {
            throw new IllegalArgumentException(values.length + " values do not fill shape " + Arrays.toString(shape));
        }
        return new DoubleTensor(values.clone(), s);
    }

    /**
     * A scalar.
     *
     * @param value the value
     * @return a tensor of shape []
     */
    public static DoubleTensor scalar(double value) {
        return new DoubleTensor(new double[] {value}, new int[0]);
    }

    @Override
    public long[] shape() {
        return Arrays.stream(shape).asLongStream().toArray();
    }

    private static DoubleTensor cast(Tensor t) {
        if (t instanceof DoubleTensor d) {
            return d;
        }
        throw new IllegalArgumentException("cannot mix engines: " + t.getClass().getName());
    }

    private DoubleTensor map(DoubleUnaryOperator f) {
        double[] out = new double[data.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = f.applyAsDouble(data[i]);
        }
        return new DoubleTensor(out, shape);
    }

    /** Elementwise binary operation with NumPy broadcasting. */
    private DoubleTensor zip(Tensor other, DoubleBinaryOperator f) {
        DoubleTensor b = cast(other);
        int rank = Math.max(shape.length, b.shape.length);
        int[] out = new int[rank];
        int[] sa = new int[rank];
        int[] sb = new int[rank];
        int[] stridesA = strides(shape);
        int[] stridesB = strides(b.shape);
        for (int i = 0; i < rank; i++) {
            int ia = i - (rank - shape.length);
            int ib = i - (rank - b.shape.length);
            int da = ia >= 0 ? shape[ia] : 1;
            int db = ib >= 0 ? b.shape[ib] : 1;
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(shape) + " and "
                        + Arrays.toString(b.shape) + " do not broadcast");
            }
            out[i] = Math.max(da, db);
            sa[i] = da == 1 ? 0 : stridesA[ia];
            sb[i] = db == 1 ? 0 : stridesB[ib];
        }
        int n = 1;
        for (int d : out) {
            n *= d;
        }
        double[] result = new double[n];
        int[] index = new int[rank];
        for (int k = 0; k < n; k++) {
            int offA = 0;
            int offB = 0;
            for (int i = 0; i < rank; i++) {
                offA += index[i] * sa[i];
                offB += index[i] * sb[i];
            }
            result[k] = f.applyAsDouble(data[offA], b.data[offB]);
            increment(index, out);
        }
        return new DoubleTensor(result, out);
    }

    private static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = stride;
            stride *= shape[i];
        }
        return s;
    }

    @Override
    public Tensor add(Tensor other) {
        return zip(other, Double::sum);
    }

    @Override
    public Tensor sub(Tensor other) {
        return zip(other, (x, y) -> x - y);
    }

    @Override
    public Tensor mul(Tensor other) {
        return zip(other, (x, y) -> x * y);
    }

    @Override
    public Tensor div(Tensor other) {
        return zip(other, (x, y) -> x / y);
    }

    @Override
    public Tensor add(double value) {
        return map(x -> x + value);
    }

    @Override
    public Tensor mul(double value) {
        return map(x -> x * value);
    }

    @Override
    public Tensor neg() {
        return map(x -> -x);
    }

    @Override
    public Tensor exp() {
        return map(Math::exp);
    }

    @Override
    public Tensor log() {
        return map(Math::log);
    }

    @Override
    public Tensor square() {
        return map(x -> x * x);
    }

    @Override
    public Tensor minimum(Tensor other) {
        return zip(other, Math::min);
    }

    @Override
    public Tensor maximum(Tensor other) {
        return zip(other, Math::max);
    }

    @Override
    public Tensor clip(double min, double max) {
        return map(x -> Math.max(min, Math.min(max, x)));
    }

    @Override
    public Tensor lt(double value) {
        return map(x -> x < value ? 1 : 0);
    }

    @Override
    public Tensor gt(double value) {
        return map(x -> x > value ? 1 : 0);
    }

    @Override
    public Tensor sum() {
        double s = 0;
        for (double x : data) {
            s += x;
        }
        return scalar(s);
    }

    @Override
    public Tensor sum(int axis) {
        return sum(axis, false);
    }

    @Override
    public Tensor sum(int axis, boolean keepDims) {
        int a = axis(axis);
        int outer = product(shape, 0, a);
        int inner = product(shape, a + 1, shape.length);
        int len = shape[a];
        double[] out = new double[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int k = 0; k < len; k++) {
                int from = (o * len + k) * inner;
                for (int i = 0; i < inner; i++) {
                    out[o * inner + i] += data[from + i];
                }
            }
        }
        return new DoubleTensor(out, reducedShape(a, keepDims));
    }

    /** {@inheritDoc} An empty axis gives NaN (0 / 0), as in NumPy. */
    @Override
    public Tensor mean(int axis, boolean keepDims) {
        int len = shape[axis(axis)];
        return ((DoubleTensor) sum(axis, keepDims)).map(x -> x / len);
    }

    private int[] reducedShape(int a, boolean keepDims) {
        if (keepDims) {
            int[] out = shape.clone();
            out[a] = 1;
            return out;
        }
        int[] out = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != a) {
                out[j++] = shape[i];
            }
        }
        return out;
    }

    @Override
    public Tensor sqrt() {
        return map(Math::sqrt);
    }

    @Override
    public Tensor rsqrt() {
        return map(x -> 1 / Math.sqrt(x));
    }

    @Override
    public Tensor sigmoid() {
        // Two branches so that exp never overflows and small results keep their precision.
        return map(x -> {
            if (x >= 0) {
                return 1 / (1 + Math.exp(-x));
            }
            double e = Math.exp(x);
            return e / (1 + e);
        });
    }

    @Override
    public Tensor tanh() {
        return map(Math::tanh);
    }

    @Override
    public Tensor erf() {
        return map(DoubleTensor::erf);
    }

    /**
     * erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)): every term is
     * positive, so the sum loses no digits to cancellation; past |x| = 6, erf is +-1 in double.
     */
    static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double a = Math.abs(x);
        if (a >= 6) {
            return Math.copySign(1.0, x);
        }
        double term = a;
        double sum = a;
        for (int n = 1; term > sum * 1e-17; n++) {
            term *= 2 * a * a / (2 * n + 1);
            sum += term;
        }
        return Math.copySign(2 / Math.sqrt(Math.PI) * Math.exp(-a * a) * sum, x);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Both operands must have rank at least 2 (no NumPy-style promotion of vectors: a
     * backend's graph would need the same special case, so callers reshape explicitly).
     * Leading dimensions broadcast as in {@link #add(Tensor)}.
     */
    @Override
    public Tensor matmul(Tensor other) {
        DoubleTensor b = cast(other);
        if (shape.length < 2 || b.shape.length < 2) {
            throw new IllegalArgumentException("matmul needs rank >= 2 operands, got "
                    + Arrays.toString(shape) + " x " + Arrays.toString(b.shape));
        }
        int ra = shape.length;
        int rb = b.shape.length;
        int n = shape[ra - 2];
        int k = shape[ra - 1];
        int m = b.shape[rb - 1];
        if (b.shape[rb - 2] != k) {
            throw new IllegalArgumentException("matmul inner dimensions differ: "
                    + Arrays.toString(shape) + " x " + Arrays.toString(b.shape));
        }
        // Broadcast the batch dimensions; a stride of 0 re-reads the same matrix.
        int batchRank = Math.max(ra, rb) - 2;
        int[] batch = new int[batchRank];
        int[] strideA = new int[batchRank];
        int[] strideB = new int[batchRank];
        int matA = n * k;
        int matB = k * m;
        int[] stridesA = strides(Arrays.copyOf(shape, ra - 2));
        int[] stridesB = strides(Arrays.copyOf(b.shape, rb - 2));
        for (int i = 0; i < batchRank; i++) {
            int ia = i - (batchRank - (ra - 2));
            int ib = i - (batchRank - (rb - 2));
            int da = ia >= 0 ? shape[ia] : 1;
            int db = ib >= 0 ? b.shape[ib] : 1;
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("matmul batch dimensions of " + Arrays.toString(shape)
                        + " and " + Arrays.toString(b.shape) + " do not broadcast");
            }
            batch[i] = Math.max(da, db);
            strideA[i] = da == 1 ? 0 : stridesA[ia] * matA;
            strideB[i] = db == 1 ? 0 : stridesB[ib] * matB;
        }
        int batches = product(batch, 0, batchRank);
        double[] out = new double[batches * n * m];
        int[] index = new int[batchRank];
        for (int t = 0; t < batches; t++) {
            int offA = 0;
            int offB = 0;
            for (int i = 0; i < batchRank; i++) {
                offA += index[i] * strideA[i];
                offB += index[i] * strideB[i];
            }
            int offOut = t * n * m;
            // i-p-j order walks both b and out contiguously.
            for (int i = 0; i < n; i++) {
                for (int p = 0; p < k; p++) {
                    double aip = data[offA + i * k + p];
                    int rowB = offB + p * m;
                    int rowOut = offOut + i * m;
                    for (int j = 0; j < m; j++) {
                        out[rowOut + j] += aip * b.data[rowB + j];
                    }
                }
            }
            increment(index, batch);
        }
        int[] outShape = Arrays.copyOf(batch, batchRank + 2);
        outShape[batchRank] = n;
        outShape[batchRank + 1] = m;
        return new DoubleTensor(out, outShape);
    }

    @Override
    public Tensor softmax(int axis) {
        return softmax(axis, false);
    }

    @Override
    public Tensor logSoftmax(int axis) {
        return softmax(axis, true);
    }

    /** Softmax or log-softmax along an axis, shifted by the maximum so exp never overflows. */
    private DoubleTensor softmax(int axis, boolean log) {
        int a = axis(axis);
        int outer = product(shape, 0, a);
        int inner = product(shape, a + 1, shape.length);
        int len = shape[a];
        double[] out = new double[data.length];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * len * inner + i;
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < len; k++) {
                    max = Math.max(max, data[base + k * inner]);
                }
                double sum = 0;
                for (int k = 0; k < len; k++) {
                    sum += Math.exp(data[base + k * inner] - max);
                }
                if (log) {
                    double logSum = max + Math.log(sum);
                    for (int k = 0; k < len; k++) {
                        out[base + k * inner] = data[base + k * inner] - logSum;
                    }
                } else {
                    for (int k = 0; k < len; k++) {
                        out[base + k * inner] = Math.exp(data[base + k * inner] - max) / sum;
                    }
                }
            }
        }
        return new DoubleTensor(out, shape);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if the element count differs, more than one dimension
     *     is -1, a dimension is otherwise negative, or -1 cannot be inferred uniquely
     */
    @Override
    public Tensor reshape(long... newShape) {
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < newShape.length; i++) {
            if (newShape[i] == -1) {
                if (inferred >= 0) {
                    throw new IllegalArgumentException("reshape " + Arrays.toString(shape) + " to "
                            + Arrays.toString(newShape) + ": at most one dimension may be -1");
                }
                inferred = i;
            } else if (newShape[i] < 0 || newShape[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("reshape " + Arrays.toString(shape) + " to "
                        + Arrays.toString(newShape) + ": bad dimension " + newShape[i]);
            } else {
                known *= newShape[i];
            }
        }
        long[] resolved = newShape.clone();
        if (inferred >= 0) {
            if (known == 0 || data.length % known != 0) {
                throw new IllegalArgumentException("reshape " + Arrays.toString(shape) + " (" + data.length
                        + " elements) to " + Arrays.toString(newShape) + ": cannot infer the -1 dimension");
            }
            resolved[inferred] = data.length / known;
            known *= resolved[inferred];
        }
        if (known != data.length) {
            throw new IllegalArgumentException("reshape " + Arrays.toString(shape) + " (" + data.length
                    + " elements) to " + Arrays.toString(newShape) + " (" + known + " elements)");
        }
        int[] s = new int[resolved.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = (int) resolved[i];
        }
        return new DoubleTensor(data, s);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Output axis {@code i} is input axis {@code axes[i]}; negative axes count from the end.
     * With no axes, the order is reversed (the NumPy, DJL and TensorFlow default).
     */
    @Override
    public Tensor transpose(int... axes) {
        int rank = shape.length;
        int[] perm = new int[rank];
        if (axes.length == 0) {
            for (int i = 0; i < rank; i++) {
                perm[i] = rank - 1 - i;
            }
        } else {
            if (axes.length != rank) {
                throw new IllegalArgumentException("transpose " + Arrays.toString(shape) + " needs " + rank
                        + " axes, got " + Arrays.toString(axes));
            }
            boolean[] seen = new boolean[rank];
            for (int i = 0; i < rank; i++) {
                perm[i] = axis(axes[i]);
                if (seen[perm[i]]) {
                    throw new IllegalArgumentException("transpose axes " + Arrays.toString(axes)
                            + " are not a permutation of rank " + rank);
                }
                seen[perm[i]] = true;
            }
        }
        int[] from = strides(shape);
        int[] outShape = new int[rank];
        int[] step = new int[rank];
        for (int i = 0; i < rank; i++) {
            outShape[i] = shape[perm[i]];
            step[i] = from[perm[i]];
        }
        double[] out = new double[data.length];
        int[] index = new int[rank];
        for (int t = 0; t < out.length; t++) {
            int off = 0;
            for (int i = 0; i < rank; i++) {
                off += index[i] * step[i];
            }
            out[t] = data[off];
            increment(index, outShape);
        }
        return new DoubleTensor(out, outShape);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Requires {@code 0 <= start <= end <= shape[axis]}: indices do not wrap or clamp,
     * so an off-by-one in model code fails here rather than silently in one backend.
     */
    @Override
    public Tensor slice(int axis, long start, long end) {
        int a = axis(axis);
        if (start < 0 || start > end || end > shape[a]) {
            throw new IllegalArgumentException("slice [" + start + ", " + end + ") out of range for axis "
                    + axis + " of " + Arrays.toString(shape));
        }
        int outer = product(shape, 0, a);
        int inner = product(shape, a + 1, shape.length);
        int len = (int) (end - start);
        double[] out = new double[outer * len * inner];
        for (int o = 0; o < outer; o++) {
            System.arraycopy(data, (o * shape[a] + (int) start) * inner, out, o * len * inner, len * inner);
        }
        int[] outShape = shape.clone();
        outShape[a] = len;
        return new DoubleTensor(out, outShape);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if this is a scalar, the indices' shape is not this
     *     shape minus the last axis (no broadcasting), or an index is not an integer in
     *     {@code [0, shape[-1])}
     */
    @Override
    public Tensor gatherLast(Tensor indices) {
        DoubleTensor idx = cast(indices);
        if (shape.length == 0) {
            throw new IllegalArgumentException("gatherLast needs indices of shape this.shape minus its last axis, but this is a scalar");
        }
        int[] expected = Arrays.copyOf(shape, shape.length - 1);
        if (!Arrays.equals(idx.shape, expected)) {
            throw new IllegalArgumentException("gatherLast on " + Arrays.toString(shape) + " needs indices of shape "
                    + Arrays.toString(expected) + ", got " + Arrays.toString(idx.shape));
        }
        int last = shape[shape.length - 1];
        double[] out = new double[idx.data.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = data[i * last + index(idx.data[i], last, "gatherLast", i)];
        }
        return new DoubleTensor(out, idx.shape);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if this is not rank 2 or an index is not an integer in
     *     {@code [0, N)}
     */
    @Override
    public Tensor rows(Tensor indices) {
        DoubleTensor idx = cast(indices);
        if (shape.length != 2) {
            throw new IllegalArgumentException("rows needs a [N, D] table, got " + Arrays.toString(shape));
        }
        int d = shape[1];
        double[] out = new double[idx.data.length * d];
        for (int i = 0; i < idx.data.length; i++) {
            System.arraycopy(data, index(idx.data[i], shape[0], "rows", i) * d, out, i * d, d);
        }
        int[] outShape = Arrays.copyOf(idx.shape, idx.shape.length + 1);
        outShape[idx.shape.length] = d;
        return new DoubleTensor(out, outShape);
    }

    /** Checks that an index stored as a double is an integer in [0, bound). */
    private static int index(double value, int bound, String op, int position) {
        if (value != Math.rint(value) || value < 0 || value >= bound) {
            throw new IllegalArgumentException(op + ": index " + value + " at flat position " + position
                    + " is not an integer in [0, " + bound + ")");
        }
        return (int) value;
    }

    /**
     * Concatenates tensors along an axis; backs {@link #FACTORY}'s {@code concat}.
     *
     * @param parts the tensors, in order; at least one, all of the same rank (at least 1)
     *     with equal dimensions except along the axis
     * @param axis the axis (negative counts from the end)
     * @return the concatenation
     * @throws IllegalArgumentException on an empty list, a scalar, or mismatched shapes
     */
    public static DoubleTensor concat(List<Tensor> parts, int axis) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("concat of no tensors");
        }
        DoubleTensor[] ts = new DoubleTensor[parts.size()];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = cast(parts.get(i));
        }
        int[] first = ts[0].shape;
        int a = ts[0].axis(axis);
        int total = 0;
        for (DoubleTensor t : ts) {
            boolean same = t.shape.length == first.length;
            for (int i = 0; same && i < first.length; i++) {
                same = i == a || t.shape[i] == first[i];
            }
            if (!same) {
                throw new IllegalArgumentException("concat on axis " + axis + ": shape " + Arrays.toString(t.shape)
                        + " does not match " + Arrays.toString(first));
            }
            total += t.shape[a];
        }
        int outer = product(first, 0, a);
        int inner = product(first, a + 1, first.length);
        double[] out = new double[outer * total * inner];
        int pos = 0;
        for (int o = 0; o < outer; o++) {
            for (DoubleTensor t : ts) {
                int chunk = t.shape[a] * inner;
                System.arraycopy(t.data, o * chunk, out, pos, chunk);
                pos += chunk;
            }
        }
        int[] outShape = first.clone();
        outShape[a] = total;
        return new DoubleTensor(out, outShape);
    }

    /** Normalizes a possibly negative axis, failing clearly when out of range. */
    private int axis(int axis) {
        int a = axis < 0 ? axis + shape.length : axis;
        if (a < 0 || a >= shape.length) {
            throw new IllegalArgumentException("axis " + axis + " out of range for shape " + Arrays.toString(shape));
        }
        return a;
    }

    private static int product(int[] dims, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) {
            p *= dims[i];
        }
        return p;
    }

    /** Advances a row-major multi-index over the given dimensions (odometer). */
    private static void increment(int[] index, int[] dims) {
        for (int i = index.length - 1; i >= 0; i--) {
            if (++index[i] < dims[i]) {
                return;
            }
            index[i] = 0;
        }
    }

    @Override
    public Tensor detach() {
        return this;
    }

    @Override
    public double toScalar() {
        if (data.length != 1) {
            throw new IllegalStateException("not a one-element tensor: shape " + Arrays.toString(shape));
        }
        return data[0];
    }

    @Override
    public double[] toDoubleArray() {
        return data.clone();
    }

    @Override
    public String toString() {
        return "DoubleTensor" + Arrays.toString(shape) + Arrays.toString(data);
    }
}
