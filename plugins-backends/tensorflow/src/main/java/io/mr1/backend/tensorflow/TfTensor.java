package io.mr1.backend.tensorflow;

import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Max;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * mr1's tensor layer on TensorFlow. Every operation is one {@link Emitter} (how to add it to
 * TF) plus its output shape, computed here in Java. In an eager scope the emitter runs at once
 * and the tensor holds its value; while {@link TfEngine} traces a computation (a backward pass
 * or a scoring forward) the tensor is only a node of the {@link Trace}: the emitters run when
 * the trace is compiled into a graph, once per distinct trace, and the Java shape is checked
 * against TF's there. Values are float32; indices are int64 and become float32 when they enter
 * arithmetic.
 */
final class TfTensor implements Tensor {

    /** Adds one TF operation, given its inputs' operands, to an eager scope or a graph being compiled. */
    @FunctionalInterface
    interface Emitter {
        Operand<?> emit(Ops tf, Operand<?>[] in);
    }

    final TfEngine engine;
    /** The eager scope holding the value; null for a traced tensor. */
    final TfContext context;
    /** The eager value; null for a traced tensor, and until first needed for a host-backed one. */
    private Operand<?> operand;
    /**
     * The native values of a natively backed eager tensor (a gradient: {@link TfEngine#gradient}),
     * owned by the engine and never changed while the tensor lives; null otherwise. Read in
     * place by the engine's host optimiser, turned into a TF constant only when an operation
     * uses it.
     */
    final TFloat32 host;
    /** The trace this tensor is a node of; null for an eager tensor. */
    final Trace trace;
    final int node;
    private final long[] shape;
    final boolean integer;

    /** An eager tensor. */
    TfTensor(TfEngine engine, TfContext context, Operand<?> operand) {
        this.engine = engine;
        this.context = context;
        this.operand = operand;
        this.host = null;
        this.trace = null;
        this.node = -1;
        this.shape = operand.shape().asArray();
        this.integer = operand.type() == TInt64.class;
    }

    /** A natively backed eager tensor of float values (the caller never changes them afterwards). */
    TfTensor(TfEngine engine, TfContext context, TFloat32 host, long[] shape) {
        this.engine = engine;
        this.context = context;
        this.operand = null;
        this.host = host;
        this.trace = null;
        this.node = -1;
        this.shape = shape.clone();
        this.integer = false;
    }

    /** The eager value, made from the host values on first use for a host-backed tensor. */
    Operand<?> operand() {
        if (operand == null && host != null) {
            operand = context.tf.constantOf(host);
        }
        return operand;
    }

    /** A node of a trace. */
    TfTensor(TfEngine engine, Trace trace, int node, long[] shape, boolean integer) {
        this.engine = engine;
        this.context = null;
        this.operand = null;
        this.host = null;
        this.trace = trace;
        this.node = node;
        this.shape = shape;
        this.integer = integer;
    }

    /** A factory creating constants in the engine's current scope (feeds of a trace). */
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
                return engine.constant(values, shape.clone());
            }

            @Override
            public Tensor indices(long[] values, long... shape) {
                check(values.length, shape);
                return engine.constant(values, shape.clone());
            }

            @Override
            public Tensor concat(List<Tensor> parts, int axis) {
                long[] first = parts.get(0).shape();
                int a = axis < 0 ? axis + first.length : axis;
                long[] out = first.clone();
                out[a] = 0;
                TfTensor[] inputs = new TfTensor[parts.size()];
                for (int i = 0; i < inputs.length; i++) {
                    inputs[i] = of(parts.get(i));
                    out[a] += inputs[i].shape[a];
                }
                return engine.apply("concat", Integer.toString(a), out, false, (tf, in) -> {
                    List<Operand<TFloat32>> ops = new ArrayList<>();
                    for (Operand<?> o : in) {
                        ops.add(f(tf, o));
                    }
                    return tf.concat(ops, tf.constant(a));
                }, inputs);
            }
        };
    }

    private static void check(int length, long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != length) {
            throw new IllegalArgumentException(length + " values do not fill shape " + Arrays.toString(shape));
        }
    }

    private static TfTensor of(Tensor t) {
        if (t instanceof TfTensor tf) {
            return tf;
        }
        throw new IllegalArgumentException("cannot mix engines: " + t.getClass().getName());
    }

    /** An operand as float32. */
    @SuppressWarnings("unchecked")
    static Operand<TFloat32> f(Ops tf, Operand<?> op) {
        return op.type() == TFloat32.class ? (Operand<TFloat32>) op : tf.dtypes.cast(op, TFloat32.class);
    }

    /** An operand as int64 (indices). */
    @SuppressWarnings("unchecked")
    static Operand<TInt64> l(Ops tf, Operand<?> op) {
        return op.type() == TInt64.class ? (Operand<TInt64>) op : tf.dtypes.cast(op, TInt64.class);
    }

    private Tensor unary(String kind, Emitter e) {
        return engine.apply(kind, "", shape, false, e, this);
    }

    private Tensor binary(String kind, Tensor other, Emitter e) {
        TfTensor o = of(other);
        return engine.apply(kind, "", broadcast(shape, o.shape, kind), false, e, this, o);
    }

    /** NumPy broadcasting of two shapes. */
    static long[] broadcast(long[] a, long[] b, String what) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(what + ": shapes do not broadcast: " + Arrays.toString(a) + " and "
                        + Arrays.toString(b));
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    private int axis(int axis) {
        return axis < 0 ? axis + shape.length : axis;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public Tensor add(Tensor other) {
        return binary("add", other, (tf, in) -> tf.math.add(f(tf, in[0]), f(tf, in[1])));
    }

    @Override
    public Tensor sub(Tensor other) {
        return binary("sub", other, (tf, in) -> tf.math.sub(f(tf, in[0]), f(tf, in[1])));
    }

    @Override
    public Tensor mul(Tensor other) {
        return binary("mul", other, (tf, in) -> tf.math.mul(f(tf, in[0]), f(tf, in[1])));
    }

    @Override
    public Tensor div(Tensor other) {
        return binary("div", other, (tf, in) -> tf.math.div(f(tf, in[0]), f(tf, in[1])));
    }

    /** A scalar operand is fed, not baked in: a step-dependent factor does not change the graph. */
    @Override
    public Tensor add(double value) {
        return add(engine.scalar(value));
    }

    @Override
    public Tensor mul(double value) {
        return mul(engine.scalar(value));
    }

    @Override
    public Tensor neg() {
        return unary("neg", (tf, in) -> tf.math.neg(f(tf, in[0])));
    }

    @Override
    public Tensor exp() {
        return unary("exp", (tf, in) -> tf.math.exp(f(tf, in[0])));
    }

    @Override
    public Tensor log() {
        return unary("log", (tf, in) -> tf.math.log(f(tf, in[0])));
    }

    @Override
    public Tensor square() {
        return unary("square", (tf, in) -> tf.math.square(f(tf, in[0])));
    }

    @Override
    public Tensor minimum(Tensor other) {
        return binary("minimum", other, (tf, in) -> tf.math.minimum(f(tf, in[0]), f(tf, in[1])));
    }

    @Override
    public Tensor maximum(Tensor other) {
        return binary("maximum", other, (tf, in) -> tf.math.maximum(f(tf, in[0]), f(tf, in[1])));
    }

    @Override
    public Tensor clip(double min, double max) {
        // float32: bounds beyond the representable range mean "no bound" (as the PyTorch adapter)
        return engine.apply("clip", min + "," + max, shape, false, (tf, in) -> {
            Operand<TFloat32> out = f(tf, in[0]);
            if (max < Float.MAX_VALUE) {
                out = tf.math.minimum(out, tf.constant((float) max));
            }
            if (min > -Float.MAX_VALUE) {
                out = tf.math.maximum(out, tf.constant((float) min));
            }
            return out;
        }, this);
    }

    @Override
    public Tensor lt(double value) {
        return engine.apply("lt", Double.toString(value), shape, false, (tf, in) -> tf.stopGradient(tf.dtypes.cast(
                tf.math.less(tf.stopGradient(f(tf, in[0])), tf.constant((float) value)), TFloat32.class)), this);
    }

    @Override
    public Tensor gt(double value) {
        return engine.apply("gt", Double.toString(value), shape, false, (tf, in) -> tf.stopGradient(tf.dtypes.cast(
                tf.math.greater(tf.stopGradient(f(tf, in[0])), tf.constant((float) value)), TFloat32.class)), this);
    }

    @Override
    public Tensor sum() {
        int[] all = new int[shape.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return engine.apply("sum", "", new long[0], false, (tf, in) -> tf.reduceSum(f(tf, in[0]), tf.constant(all)),
                this);
    }

    @Override
    public Tensor sum(int axis) {
        return sum(axis, false);
    }

    @Override
    public Tensor sqrt() {
        return unary("sqrt", (tf, in) -> tf.math.sqrt(f(tf, in[0])));
    }

    @Override
    public Tensor rsqrt() {
        return unary("rsqrt", (tf, in) -> tf.math.rsqrt(f(tf, in[0])));
    }

    @Override
    public Tensor sigmoid() {
        return unary("sigmoid", (tf, in) -> tf.math.sigmoid(f(tf, in[0])));
    }

    @Override
    public Tensor tanh() {
        return unary("tanh", (tf, in) -> tf.math.tanh(f(tf, in[0])));
    }

    @Override
    public Tensor erf() {
        return unary("erf", (tf, in) -> tf.math.erf(f(tf, in[0])));
    }

    /**
     * [..., n, k] x [..., k, m]. A rank-2 right operand (a weight) folds the left operand's
     * leading dimensions into one MatMul; otherwise both are broadcast to the common batch
     * shape and multiplied with BatchMatMul.
     */
    @Override
    public Tensor matmul(Tensor other) {
        TfTensor o = of(other);
        long[] as = shape;
        long[] bs = o.shape;
        if (as.length < 2 || bs.length < 2 || as[as.length - 1] != bs[bs.length - 2]) {
            throw new IllegalArgumentException("matmul: " + Arrays.toString(as) + " x " + Arrays.toString(bs));
        }
        if (as.length == 2 && bs.length == 2) {
            return engine.apply("matmul", "", new long[] {as[0], bs[1]}, false,
                    (tf, in) -> tf.linalg.matMul(f(tf, in[0]), f(tf, in[1])), this, o);
        }
        if (bs.length == 2) {
            long[] out = as.clone();
            out[out.length - 1] = bs[1];
            long k = as[as.length - 1];
            return engine.apply("matmul", "", out, false, (tf, in) -> {
                Operand<TFloat32> flat = tf.reshape(f(tf, in[0]), dims(tf, new long[] {-1, k}));
                return tf.reshape(tf.linalg.matMul(flat, f(tf, in[1])), dims(tf, out));
            }, this, o);
        }
        int rank = Math.max(as.length, bs.length);
        long[] batch = new long[rank - 2];
        for (int i = 0; i < batch.length; i++) {
            long da = dim(as, i, rank);
            long db = dim(bs, i, rank);
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("matmul: batch dimensions do not broadcast: "
                        + Arrays.toString(as) + " x " + Arrays.toString(bs));
            }
            batch[i] = Math.max(da, db);
        }
        long[] out = Arrays.copyOf(batch, rank);
        out[rank - 2] = as[as.length - 2];
        out[rank - 1] = bs[bs.length - 1];
        return engine.apply("batchMatmul", "", out, false, (tf, in) -> tf.train.batchMatMul(
                broadcast(tf, f(tf, in[0]), as, batch), broadcast(tf, f(tf, in[1]), bs, batch), TFloat32.class), this, o);
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
        if (Arrays.equals(target, shape)) {
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
        int rank = shape.length;
        return engine.apply("softmax", Integer.toString(a), shape, false, (tf, in) -> {
            if (a == rank - 1) {
                return tf.nn.softmax(f(tf, in[0]));
            }
            int[] perm = swapLast(rank, a);
            return tf.linalg.transpose(tf.nn.softmax(tf.linalg.transpose(f(tf, in[0]), tf.constant(perm))),
                    tf.constant(perm));
        }, this);
    }

    /**
     * x - max - log(sum(exp(x - max))), composed: the C++ gradient TF Java uses for the
     * LogSoftmax op is wrong (TfGradientTest caught it), so the op is not used. The max is a
     * constant of the gradient (it cancels), as in every stable log-softmax.
     */
    @Override
    public Tensor logSoftmax(int axis) {
        int a = axis(axis);
        return engine.apply("logSoftmax", Integer.toString(a), shape, false, (tf, in) -> {
            Operand<TFloat32> x = f(tf, in[0]);
            Operand<TInt32> axes = tf.constant(new int[] {a});
            Operand<TFloat32> shifted = tf.math.sub(x, tf.stopGradient(tf.max(x, axes, Max.keepDims(true))));
            Operand<TFloat32> logSum = tf.math.log(tf.reduceSum(tf.math.exp(shifted), axes, ReduceSum.keepDims(true)));
            return tf.math.sub(shifted, logSum);
        }, this);
    }

    private long[] reduced(int a, boolean keepDims) {
        if (keepDims) {
            long[] out = shape.clone();
            out[a] = 1;
            return out;
        }
        long[] out = new long[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != a) {
                out[j++] = shape[i];
            }
        }
        return out;
    }

    @Override
    public Tensor sum(int axis, boolean keepDims) {
        int a = axis(axis);
        return engine.apply("sum", a + "," + keepDims, reduced(a, keepDims), false, (tf, in) ->
                tf.reduceSum(f(tf, in[0]), tf.constant(new int[] {a}), ReduceSum.keepDims(keepDims)), this);
    }

    @Override
    public Tensor mean(int axis, boolean keepDims) {
        int a = axis(axis);
        return engine.apply("mean", a + "," + keepDims, reduced(a, keepDims), false, (tf, in) ->
                tf.math.mean(f(tf, in[0]), tf.constant(new int[] {a}), Mean.keepDims(keepDims)), this);
    }

    @Override
    public Tensor reshape(long... newShape) {
        long[] out = newShape.clone();
        long known = 1;
        int unknown = -1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == -1 && unknown < 0) {
                unknown = i;
            } else {
                known *= out[i];
            }
        }
        long size = 1;
        for (long d : shape) {
            size *= d;
        }
        if (unknown >= 0 && known > 0) {
            out[unknown] = size / known;
            known *= out[unknown];
        }
        if (known != size) {
            throw new IllegalArgumentException("reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
        }
        return engine.apply("reshape", Arrays.toString(out), out, integer, (tf, in) -> tf.reshape(in[0], dims(tf, out)),
                this);
    }

    @Override
    public Tensor transpose(int... axes) {
        long[] out = new long[axes.length];
        for (int i = 0; i < axes.length; i++) {
            out[i] = shape[axes[i]];
        }
        int[] perm = axes.clone();
        return engine.apply("transpose", Arrays.toString(perm), out, integer,
                (tf, in) -> tf.linalg.transpose(in[0], tf.constant(perm)), this);
    }

    @Override
    public Tensor slice(int axis, long start, long end) {
        int a = axis(axis);
        // int32 bounds: TF's C++ gradient of Slice subtracts them from an int32 shape
        int[] begin = new int[shape.length];
        int[] size = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            size[i] = Math.toIntExact(shape[i]);
        }
        begin[a] = Math.toIntExact(start);
        size[a] = Math.toIntExact(end - start);
        long[] out = shape.clone();
        out[a] = end - start;
        return engine.apply("slice", a + "," + start + "," + end, out, integer,
                (tf, in) -> tf.slice(in[0], tf.constant(begin), tf.constant(size)), this);
    }

    /**
     * A one-hot mask times the values, summed over the last axis: differentiable with the
     * gradient ops TF's C++ registry has (Mul, Sum), and exact (one term per position).
     */
    @Override
    public Tensor gatherLast(Tensor indices) {
        TfTensor idx = of(indices);
        int last = shape.length - 1;
        int depth = (int) shape[last];
        long[] out = broadcast(Arrays.copyOf(shape, last), idx.shape, "gatherLast");
        return engine.apply("gatherLast", "", out, false, (tf, in) -> {
            Operand<TFloat32> oneHot = tf.oneHot(l(tf, in[1]), tf.constant(depth), tf.constant(1f), tf.constant(0f));
            return tf.reduceSum(tf.math.mul(f(tf, in[0]), oneHot), tf.constant(new int[] {last}));
        }, this, idx);
    }

    @Override
    public Tensor rows(Tensor indices) {
        TfTensor idx = of(indices);
        long[] idxShape = idx.shape;
        long[] out = Arrays.copyOf(idxShape, idxShape.length + 1);
        out[idxShape.length] = shape[1];
        return engine.apply("rows", "", out, false, (tf, in) -> {
            Operand<TInt64> flat = tf.reshape(l(tf, in[1]), dims(tf, new long[] {-1}));
            return tf.reshape(tf.gather(f(tf, in[0]), flat, tf.constant(0)), dims(tf, out));
        }, this, idx);
    }

    @Override
    public Tensor detach() {
        return engine.apply("detach", "", shape, integer, (tf, in) -> tf.stopGradient(in[0]), this);
    }

    @Override
    public double toScalar() {
        double[] values = toDoubleArray();
        if (values.length != 1) {
            throw new IllegalStateException("toScalar on a tensor of " + values.length + " elements");
        }
        return values[0];
    }

    /**
     * The TF value to read: an eager tensor's, or a lazy (decoding) node's, computed now if it
     * was not yet; a node of a backward or scoring trace has none.
     */
    private org.tensorflow.Tensor value() {
        if (trace != null && trace.lazy) {
            return engine.valueOf(this);
        }
        if (trace != null) {
            throw new IllegalStateException("a value read inside a traced computation (backward or evaluate):"
                    + " traced tensors have values only as the compiled graph's results");
        }
        return host != null ? host : operand().asTensor();
    }

    @Override
    public double[] toDoubleArray() {
        if (integer) {
            long[] l = toLongArray();
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
        org.tensorflow.Tensor t = value();
        if (t instanceof TFloat32 f) {
            return NativeFloats.toArray(f);
        }
        long[] l = longsOf(t);
        float[] out = new float[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = l[i];
        }
        return out;
    }

    /** The long values of an int64 tensor (a float one's values truncated, as a cast does). */
    long[] toLongArray() {
        org.tensorflow.Tensor t = value();
        if (t instanceof TInt64) {
            return longsOf(t);
        }
        float[] f = NativeFloats.toArray((TFloat32) t);
        long[] out = new long[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = (long) f[i];
        }
        return out;
    }

    private static long[] longsOf(org.tensorflow.Tensor t) {
        long[] v = new long[Math.toIntExact(t.shape().size())];
        ((TInt64) t).copyTo(DataBuffers.of(v, false, false));
        return v;
    }

    static float[] floatsOf(org.tensorflow.Tensor t) {
        float[] v = new float[Math.toIntExact(t.shape().size())];
        ((TFloat32) t).copyTo(DataBuffers.of(v, false, false));
        return v;
    }
}
