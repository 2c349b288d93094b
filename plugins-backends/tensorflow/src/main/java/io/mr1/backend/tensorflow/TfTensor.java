package io.mr1.backend.tensorflow;

import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * mr1's tensor layer over a TensorFlow operand. Each operation adds one TF operation to the
 * engine's current context: executed at once in an eager scope, a node of the graph being
 * built inside {@link TfEngine#backward}. Values are float32; indices are int64 and become
 * float32 when they enter arithmetic. An operand from another context (a constant made
 * before a backward pass and used inside it) is copied in by value.
 */
final class TfTensor implements Tensor {

    final TfEngine engine;
    final TfContext context;
    final Operand<?> operand;

    TfTensor(TfEngine engine, TfContext context, Operand<?> operand) {
        this.engine = engine;
        this.context = context;
        this.operand = operand;
    }

    /** A factory creating constants in the engine's current context. */
    static TensorFactory factory(TfEngine engine) {
        return new TensorFactory() {
            @Override
            public Tensor constant(double[] values, long... shape) {
                float[] f = new float[values.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) values[i];
                }
                return constant(f, shape);
            }

            @Override
            public Tensor constant(float[] values, long... shape) {
                check(values.length, shape);
                TfContext c = engine.current();
                return new TfTensor(engine, c, c.tf.constant(Shape.of(shape), DataBuffers.of(values, true, false)));
            }

            @Override
            public Tensor indices(long[] values, long... shape) {
                check(values.length, shape);
                TfContext c = engine.current();
                return new TfTensor(engine, c, c.tf.constant(Shape.of(shape), DataBuffers.of(values, true, false)));
            }

            @Override
            public Tensor concat(List<Tensor> parts, int axis) {
                TfContext c = engine.current();
                List<Operand<TFloat32>> ops = new ArrayList<>();
                int rank = parts.get(0).shape().length;
                for (Tensor p : parts) {
                    ops.add(((TfTensor) p).floats());
                }
                return new TfTensor(engine, c, c.tf.concat(ops, c.tf.constant(axis < 0 ? axis + rank : axis)));
            }
        };
    }

    private static void check(int length, long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != length) {
            throw new IllegalArgumentException(length + " values do not fill shape " + java.util.Arrays.toString(shape));
        }
    }

    private static TfTensor of(Tensor t) {
        if (t instanceof TfTensor tf) {
            return tf;
        }
        throw new IllegalArgumentException("cannot mix engines: " + t.getClass().getName());
    }

    private Ops tf() {
        return engine.current().tf;
    }

    private Tensor wrap(Operand<?> op) {
        return new TfTensor(engine, engine.current(), op);
    }

    /** This tensor as a float32 operand of the current context. */
    @SuppressWarnings("unchecked")
    Operand<TFloat32> floats() {
        Operand<?> op = engine.inCurrent(this);
        if (op.type() == TFloat32.class) {
            return (Operand<TFloat32>) op;
        }
        return tf().dtypes.cast(op, TFloat32.class);
    }

    /** This tensor as an int64 operand of the current context (indices). */
    @SuppressWarnings("unchecked")
    Operand<TInt64> longs() {
        Operand<?> op = engine.inCurrent(this);
        if (op.type() == TInt64.class) {
            return (Operand<TInt64>) op;
        }
        return tf().dtypes.cast(op, TInt64.class);
    }

    private Operand<TFloat32> scalar(double value) {
        return tf().constant((float) value);
    }

    private int rank() {
        return operand.shape().numDimensions();
    }

    private int axis(int axis) {
        return axis < 0 ? axis + rank() : axis;
    }

    @Override
    public long[] shape() {
        return operand.shape().asArray();
    }

    @Override
    public Tensor add(Tensor other) {
        return wrap(tf().math.add(floats(), of(other).floats()));
    }

    @Override
    public Tensor sub(Tensor other) {
        return wrap(tf().math.sub(floats(), of(other).floats()));
    }

    @Override
    public Tensor mul(Tensor other) {
        return wrap(tf().math.mul(floats(), of(other).floats()));
    }

    @Override
    public Tensor div(Tensor other) {
        return wrap(tf().math.div(floats(), of(other).floats()));
    }

    @Override
    public Tensor add(double value) {
        return wrap(tf().math.add(floats(), scalar(value)));
    }

    @Override
    public Tensor mul(double value) {
        return wrap(tf().math.mul(floats(), scalar(value)));
    }

    @Override
    public Tensor neg() {
        return wrap(tf().math.neg(floats()));
    }

    @Override
    public Tensor exp() {
        return wrap(tf().math.exp(floats()));
    }

    @Override
    public Tensor log() {
        return wrap(tf().math.log(floats()));
    }

    @Override
    public Tensor square() {
        return wrap(tf().math.square(floats()));
    }

    @Override
    public Tensor minimum(Tensor other) {
        return wrap(tf().math.minimum(floats(), of(other).floats()));
    }

    @Override
    public Tensor maximum(Tensor other) {
        return wrap(tf().math.maximum(floats(), of(other).floats()));
    }

    @Override
    public Tensor clip(double min, double max) {
        // float32: bounds beyond the representable range mean "no bound" (as the PyTorch adapter)
        Operand<TFloat32> out = floats();
        if (max < Float.MAX_VALUE) {
            out = tf().math.minimum(out, scalar(max));
        }
        if (min > -Float.MAX_VALUE) {
            out = tf().math.maximum(out, scalar(min));
        }
        return wrap(out);
    }

    @Override
    public Tensor lt(double value) {
        Ops tf = tf();
        return wrap(tf.stopGradient(tf.dtypes.cast(tf.math.less(tf.stopGradient(floats()), scalar(value)), TFloat32.class)));
    }

    @Override
    public Tensor gt(double value) {
        Ops tf = tf();
        return wrap(tf.stopGradient(tf.dtypes.cast(tf.math.greater(tf.stopGradient(floats()), scalar(value)), TFloat32.class)));
    }

    private Operand<TInt32> axes(int... axes) {
        return tf().constant(axes);
    }

    @Override
    public Tensor sum() {
        int[] all = new int[rank()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return wrap(tf().reduceSum(floats(), axes(all)));
    }

    @Override
    public Tensor sum(int axis) {
        return sum(axis, false);
    }

    @Override
    public Tensor sqrt() {
        return wrap(tf().math.sqrt(floats()));
    }

    @Override
    public Tensor rsqrt() {
        return wrap(tf().math.rsqrt(floats()));
    }

    @Override
    public Tensor sigmoid() {
        return wrap(tf().math.sigmoid(floats()));
    }

    @Override
    public Tensor tanh() {
        return wrap(tf().math.tanh(floats()));
    }

    @Override
    public Tensor erf() {
        return wrap(tf().math.erf(floats()));
    }

    /**
     * [..., n, k] x [..., k, m]. A rank-2 right operand (a weight) folds the left operand's
     * leading dimensions into one MatMul; otherwise both are broadcast to the common batch
     * shape and multiplied with BatchMatMul.
     */
    @Override
    public Tensor matmul(Tensor other) {
        Ops tf = tf();
        Operand<TFloat32> a = floats();
        Operand<TFloat32> b = of(other).floats();
        long[] as = shape();
        long[] bs = other.shape();
        if (as.length == 2 && bs.length == 2) {
            return wrap(tf.linalg.matMul(a, b));
        }
        if (bs.length == 2) {
            long[] out = as.clone();
            out[out.length - 1] = bs[1];
            Operand<TFloat32> flat = tf.reshape(a, dims(tf, new long[] {-1, as[as.length - 1]}));
            return wrap(tf.reshape(tf.linalg.matMul(flat, b), dims(tf, out)));
        }
        int rank = Math.max(as.length, bs.length);
        long[] batch = new long[rank - 2];
        for (int i = 0; i < batch.length; i++) {
            long da = dim(as, i, rank);
            long db = dim(bs, i, rank);
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("matmul: batch dimensions do not broadcast: "
                        + java.util.Arrays.toString(as) + " x " + java.util.Arrays.toString(bs));
            }
            batch[i] = Math.max(da, db);
        }
        Operand<TFloat32> ab = broadcast(tf, a, as, batch);
        Operand<TFloat32> bb = broadcast(tf, b, bs, batch);
        return wrap(tf.train.batchMatMul(ab, bb, TFloat32.class));
    }

    /**
     * A shape as an int32 constant: TF's C++ gradients compute with int32 shapes and fail on
     * an int64 operand next to one (BroadcastGradientArgs, Slice's padding).
     */
    private static Operand<TInt32> dims(Ops tf, long[] shape) {
        int[] d = new int[shape.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = Math.toIntExact(shape[i]);
        }
        return tf.constant(d);
    }

    private static long dim(long[] shape, int batchAxis, int rank) {
        int i = batchAxis - (rank - shape.length);
        return i < 0 ? 1 : shape[i];
    }

    private static Operand<TFloat32> broadcast(Ops tf, Operand<TFloat32> x, long[] shape, long[] batch) {
        long[] target = new long[batch.length + 2];
        System.arraycopy(batch, 0, target, 0, batch.length);
        target[batch.length] = shape[shape.length - 2];
        target[batch.length + 1] = shape[shape.length - 1];
        if (java.util.Arrays.equals(target, shape)) {
            return x;
        }
        return tf.broadcastTo(x, dims(tf, target));
    }

    /** Moves an axis to the end (and back: the same permutation's inverse). */
    private static int[] swapLast(int rank, int axis) {
        int[] perm = new int[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = i;
        }
        perm[axis] = rank - 1;
        perm[rank - 1] = axis;
        return perm;
    }

    @Override
    public Tensor softmax(int axis) {
        int a = axis(axis);
        if (a == rank() - 1) {
            return wrap(tf().nn.softmax(floats()));
        }
        int[] perm = swapLast(rank(), a);
        Ops tf = tf();
        return wrap(tf.linalg.transpose(tf.nn.softmax(tf.linalg.transpose(floats(), tf.constant(perm))), tf.constant(perm)));
    }

    /**
     * x - max - log(sum(exp(x - max))), composed: the C++ gradient TF Java uses for the
     * LogSoftmax op is wrong (TfGradientTest caught it), so the op is not used. The max is a
     * constant of the gradient (it cancels), as in every stable log-softmax.
     */
    @Override
    public Tensor logSoftmax(int axis) {
        Ops tf = tf();
        Operand<TFloat32> x = floats();
        Operand<TInt32> a = axes(axis(axis));
        Operand<TFloat32> shifted = tf.math.sub(x, tf.stopGradient(tf.max(x, a, org.tensorflow.op.core.Max.keepDims(true))));
        Operand<TFloat32> logSum = tf.math.log(tf.reduceSum(tf.math.exp(shifted), a, ReduceSum.keepDims(true)));
        return wrap(tf.math.sub(shifted, logSum));
    }

    @Override
    public Tensor sum(int axis, boolean keepDims) {
        return wrap(tf().reduceSum(floats(), axes(axis(axis)), ReduceSum.keepDims(keepDims)));
    }

    @Override
    public Tensor mean(int axis, boolean keepDims) {
        return wrap(tf().math.mean(floats(), axes(axis(axis)), Mean.keepDims(keepDims)));
    }

    @Override
    public Tensor reshape(long... shape) {
        Operand<?> op = engine.inCurrent(this);
        return wrap(tf().reshape(op, dims(tf(), shape)));
    }

    @Override
    public Tensor transpose(int... axes) {
        Operand<?> op = engine.inCurrent(this);
        return wrap(tf().linalg.transpose(op, tf().constant(axes)));
    }

    @Override
    public Tensor slice(int axis, long start, long end) {
        long[] shape = shape();
        int a = axis(axis);
        // int32 bounds: TF's C++ gradient of Slice subtracts them from an int32 shape
        int[] begin = new int[shape.length];
        int[] size = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            size[i] = Math.toIntExact(shape[i]);
        }
        begin[a] = Math.toIntExact(start);
        size[a] = Math.toIntExact(end - start);
        Operand<?> op = engine.inCurrent(this);
        return wrap(tf().slice(op, tf().constant(begin), tf().constant(size)));
    }

    /**
     * A one-hot mask times the values, summed over the last axis: differentiable with the
     * gradient ops TF's C++ registry has (Mul, Sum), and exact (one term per position).
     */
    @Override
    public Tensor gatherLast(Tensor indices) {
        Ops tf = tf();
        long[] s = shape();
        Operand<TFloat32> oneHot = tf.oneHot(of(indices).longs(), tf.constant((int) s[s.length - 1]),
                tf.constant(1f), tf.constant(0f));
        return wrap(tf.reduceSum(tf.math.mul(floats(), oneHot), axes(s.length - 1)));
    }

    @Override
    public Tensor rows(Tensor indices) {
        Ops tf = tf();
        long[] idxShape = indices.shape();
        long[] out = new long[idxShape.length + 1];
        System.arraycopy(idxShape, 0, out, 0, idxShape.length);
        out[idxShape.length] = shape()[1];
        Operand<TInt64> flat = tf.reshape(of(indices).longs(), dims(tf, new long[] {-1}));
        return wrap(tf.reshape(tf.gather(floats(), flat, tf.constant(0)), dims(tf, out)));
    }

    @Override
    public Tensor detach() {
        Operand<?> op = engine.inCurrent(this);
        return wrap(tf().stopGradient(op));
    }

    @Override
    public double toScalar() {
        double[] values = toDoubleArray();
        if (values.length != 1) {
            throw new IllegalStateException("toScalar on a tensor of " + values.length + " elements");
        }
        return values[0];
    }

    @Override
    public double[] toDoubleArray() {
        if (operand.type() == TInt64.class) {
            long[] l = context.read(operand, t -> {
                long[] v = new long[Math.toIntExact(t.shape().size())];
                ((TInt64) t).copyTo(DataBuffers.of(v, false, false));
                return v;
            });
            double[] d = new double[l.length];
            for (int i = 0; i < l.length; i++) {
                d[i] = l[i];
            }
            return d;
        }
        float[] f = toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Override
    public float[] toFloatArray() {
        Operand<?> op = operand;
        if (op.type() != TFloat32.class) {
            op = context.tf.dtypes.cast(op, TFloat32.class);
        }
        return context.read(op, TfTensor::floatsOf);
    }

    static float[] floatsOf(org.tensorflow.Tensor t) {
        float[] v = new float[Math.toIntExact(t.shape().size())];
        ((TFloat32) t).copyTo(DataBuffers.of(v, false, false));
        return v;
    }
}
