package io.mr1.tensor;

import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/**
 * A pure-Java, double-precision {@link Tensor} without gradients: the reference engine.
 * Code written on the tensor layer (the GRPO-D loss) runs on it to give the value every
 * backend must reproduce. Not meant to be fast.
 */
public final class DoubleTensor implements Tensor {

    /** The factory for this engine. */
    public static final TensorFactory FACTORY = DoubleTensor::of;

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
            for (int i = rank - 1; i >= 0; i--) {
                if (++index[i] < out[i]) {
                    break;
                }
                index[i] = 0;
            }
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
        int a = axis < 0 ? axis + shape.length : axis;
        if (a < 0 || a >= shape.length) {
            throw new IllegalArgumentException("axis " + axis + " out of range for rank " + shape.length);
        }
        int outer = 1;
        for (int i = 0; i < a; i++) {
            outer *= shape[i];
        }
        int inner = 1;
        for (int i = a + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        int len = shape[a];
        double[] out = new double[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int k = 0; k < len; k++) {
                for (int i = 0; i < inner; i++) {
                    out[o * inner + i] += data[(o * len + k) * inner + i];
                }
            }
        }
        int[] outShape = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != a) {
                outShape[j++] = shape[i];
            }
        }
        return new DoubleTensor(out, outShape);
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
