package io.mr1.backend.pytorch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.mr1.tensor.ComposedOps;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.List;

/**
 * mr1's tensor layer over a DJL NDArray. Operations are eager; gradients are recorded by
 * DJL's GradientCollector for arrays that require them. Values are float32 or bfloat16 (the
 * dtype the weights are held in, see {@link Bfloat16}); indices are int64.
 *
 * <p>Constants made by the factory (masks, rotary tables, pixels, attention biases) are
 * <em>weak</em>, as Python scalars are in PyTorch: they take the dtype of the tensor they meet,
 * so a bfloat16 forward stays in bfloat16 instead of being promoted to float32 by a float32
 * table; a result of weak operands only stays weak. Precision points go to float32 where
 * transformers does ({@link #toFloat32}, RMSNorm and LayerNorm statistics, softmax, log-softmax).
 *
 * <p>Layer ops use libtorch's fused kernels where DJL 0.36 reaches them: {@code linear}
 * (addmm with the bias), {@code layer_norm}, RMSNorm from one {@code norm} reduction (no
 * squared copy of the input), attention with the scale and mask applied in place on the
 * scores. DJL 0.36 exposes no SiLU and no scaled_dot_product_attention, so SwiGLU's gate
 * stays composed and attention is the composed form with fewer copies. The system property
 * {@code mr1.pytorch.fused} turns fused paths off (see {@link #fused}) for side-by-side timing.
 */
final class DjlTensor implements Tensor {

    final NDArray array;
    /** A factory constant (or made of constants only): it adopts the dtype of what it meets. */
    final boolean weak;
    /**
     * A handle {@code keepOnly} made for a block's result in the enclosing scope: nothing else
     * holds it, so {@code keepOnlyReleasing} may close it once the next block has used it.
     */
    final boolean blockOutput;

    DjlTensor(NDArray array) {
        this(array, false);
    }

    DjlTensor(NDArray array, boolean weak) {
        this(array, weak, false);
    }

    private DjlTensor(NDArray array, boolean weak, boolean blockOutput) {
        this.array = array;
        this.weak = weak;
        this.blockOutput = blockOutput;
    }

    private static DjlTensor cast(Tensor t) {
        if (t instanceof DjlTensor d) {
            return d;
        }
        throw new IllegalArgumentException("cannot mix engines: " + t.getClass().getName());
    }

    private static NDArray of(Tensor t) {
        return cast(t).array;
    }

    private static Tensor wrap(NDArray a) {
        return new DjlTensor(a);
    }

    /** A result of this tensor alone: weak when this is. */
    private Tensor derived(NDArray a) {
        return new DjlTensor(a, weak);
    }

    /**
     * An array in the floating dtype of another (bfloat16 or float32), converted when they
     * differ; integer arrays stay as they are.
     */
    static NDArray like(NDArray a, NDArray target) {
        boolean narrow = Bfloat16.is(target);
        if (Bfloat16.is(a) == narrow || !(Bfloat16.is(a) || a.getDataType().isFloating())) {
            return a;
        }
        return narrow ? Bfloat16.narrow(a) : Bfloat16.widen(a);
    }

    /** The other operand of a binary op, converted to this one's dtype when it is weak and this is not. */
    private NDArray operand(DjlTensor other) {
        return other.weak && !weak ? like(other.array, array) : other.array;
    }

    /** This operand of a binary op, converted to the other's dtype when this is weak and it is not. */
    private NDArray self(DjlTensor other) {
        return weak && !other.weak ? like(array, other.array) : array;
    }

    private Tensor binary(Tensor other, java.util.function.BinaryOperator<NDArray> op) {
        DjlTensor o = cast(other);
        return new DjlTensor(op.apply(self(o), operand(o)), weak && o.weak);
    }

    /**
     * Copies a Java-buffer-backed array into memory that libtorch allocates. Arrays made from
     * Java data wrap a direct ByteBuffer whose alignment varies from run to run, and libtorch's
     * vectorised reductions round differently with the alignment: owned copies keep training
     * bit-reproducible.
     *
     * @param fromJava an array just created from Java data
     * @return an equal array in libtorch's (64-byte aligned) memory
     */
    static NDArray owned(NDArray fromJava) {
        NDArray copy = fromJava.duplicate();
        fromJava.close();
        return copy;
    }

    /** A factory creating constants in a manager. */
    static TensorFactory factory(NDManager manager) {
        return new TensorFactory() {
            @Override
            public Tensor constant(double[] values, long... shape) {
                float[] f = new float[values.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) values[i];
                }
                return new DjlTensor(owned(manager.create(f, new Shape(shape))), true);
            }

            @Override
            public Tensor constant(float[] values, long... shape) {
                return new DjlTensor(owned(manager.create(values, new Shape(shape))), true);
            }

            @Override
            public Tensor indices(long[] values, long... shape) {
                return wrap(owned(manager.create(values, new Shape(shape))));
            }

            @Override
            public Tensor zeros(long... shape) {
                return new DjlTensor(manager.zeros(new Shape(shape)), true);
            }

            @Override
            public Tensor zerosLike(Tensor like, long... shape) {
                // In like's dtype and as weak as it: a KV-cache buffer of strong keys is strong.
                DjlTensor l = cast(like);
                Shape s = new Shape(shape);
                return new DjlTensor(Bfloat16.is(l.array) ? Bfloat16.zeros(manager, s) : manager.zeros(s), l.weak);
            }

            @Override
            public Tensor concat(List<Tensor> parts, int axis) {
                // Weak parts take the dtype of the first strong one.
                DjlTensor strong = null;
                for (Tensor p : parts) {
                    if (!cast(p).weak) {
                        strong = cast(p);
                        break;
                    }
                }
                NDList list = new NDList();
                for (Tensor p : parts) {
                    DjlTensor d = cast(p);
                    list.add(strong != null && d.weak ? like(d.array, strong.array) : d.array);
                }
                return new DjlTensor(NDArrays.concat(list, axis), strong == null);
            }

            /**
             * A nested NDScope. Each kept tensor leaves it as a new handle (a same-shape view, no
             * copy) registered in the enclosing scope, so a kept tensor made before the block (a
             * variable) is never handed to a scope that would close it.
             */
            @Override
            public Tensor[] keepOnly(java.util.function.Supplier<Tensor[]> block) {
                NDArray[] kept;
                boolean[] weak;
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    Tensor[] out = block.get();
                    kept = new NDArray[out.length];
                    weak = new boolean[out.length];
                    for (int i = 0; i < out.length; i++) {
                        NDArray a = of(out[i]);
                        kept[i] = a.reshape(a.getShape());
                        weak[i] = cast(out[i]).weak;
                        NDScope.unregister(kept[i]);
                    }
                }
                Tensor[] result = new Tensor[kept.length];
                for (int i = 0; i < kept.length; i++) {
                    NDScope.register(kept[i]);
                    // A kept factory constant stays weakly typed (it still takes the dtype it meets).
                    result[i] = new DjlTensor(kept[i], weak[i], true);
                }
                return result;
            }

            /**
             * Moves a block output's handle out of the enclosing scope and closes it when the block
             * returns: its storage is freed then unless the autograd graph saved it for backward.
             */
            @Override
            public Tensor[] keepOnlyReleasing(Tensor input, java.util.function.Supplier<Tensor[]> block) {
                DjlTensor in = cast(input);
                if (!in.blockOutput) {
                    return keepOnly(block);
                }
                NDScope.unregister(in.array);
                try {
                    return keepOnly(block);
                } finally {
                    in.array.close();
                }
            }

            @Override
            public boolean writesInPlace() {
                return fused("kvcache");
            }
        };
    }

    private static int axis(NDArray a, int axis) {
        return axis < 0 ? axis + a.getShape().dimension() : axis;
    }

    @Override
    public long[] shape() {
        return array.getShape().getShape();
    }

    @Override
    public Tensor add(Tensor other) {
        return binary(other, (a, b) -> a.add(b));
    }

    @Override
    public Tensor sub(Tensor other) {
        return binary(other, (a, b) -> a.sub(b));
    }

    @Override
    public Tensor mul(Tensor other) {
        return binary(other, (a, b) -> a.mul(b));
    }

    @Override
    public Tensor div(Tensor other) {
        return binary(other, (a, b) -> a.div(b));
    }

    /**
     * A scalar tensor in libtorch's memory. DJL's {@code mul(Number)}-style overloads wrap the
     * scalar in a Java-buffer-backed array and close it right after the op; autograd keeps that
     * array for the backward pass, and once the garbage collector frees the buffer the
     * gradient reads freed memory (seen as run-to-run noise and NaN). So every scalar that
     * can reach autograd is made here instead.
     */
    private NDArray scalar(double value) {
        return owned(array.getManager().create(new float[] {(float) value}, new Shape()));
    }

    @Override
    public Tensor add(double value) {
        return derived(array.add(scalar(value)));
    }

    @Override
    public Tensor mul(double value) {
        return derived(array.mul(scalar(value)));
    }

    @Override
    public Tensor neg() {
        return derived(array.neg());
    }

    @Override
    public Tensor exp() {
        return derived(array.exp());
    }

    @Override
    public Tensor log() {
        return derived(array.log());
    }

    @Override
    public Tensor square() {
        return derived(array.square());
    }

    @Override
    public Tensor minimum(Tensor other) {
        return binary(other, NDArrays::minimum);
    }

    @Override
    public Tensor maximum(Tensor other) {
        return binary(other, NDArrays::maximum);
    }

    @Override
    public Tensor clip(double min, double max) {
        // Not DJL's clip(Number, Number): it makes Java-backed bound arrays (see scalar()).
        // float32: bounds beyond the representable range mean "no bound".
        NDArray out = array;
        if (max < Float.MAX_VALUE) {
            out = NDArrays.minimum(out, scalar(max));
        }
        if (min > -Float.MAX_VALUE) {
            out = NDArrays.maximum(out, scalar(min));
        }
        return derived(out);
    }

    @Override
    public Tensor lt(double value) {
        return new DjlTensor(array.stopGradient().lt(scalar(value)).toType(DataType.FLOAT32, false), true);
    }

    @Override
    public Tensor gt(double value) {
        return new DjlTensor(array.stopGradient().gt(scalar(value)).toType(DataType.FLOAT32, false), true);
    }

    @Override
    public Tensor sum() {
        return derived(array.sum());
    }

    @Override
    public Tensor sum(int axis) {
        return sum(axis, false);
    }

    @Override
    public Tensor sqrt() {
        return derived(array.sqrt());
    }

    @Override
    public Tensor rsqrt() {
        return derived(array.pow(scalar(-0.5)));
    }

    @Override
    public Tensor sigmoid() {
        return derived(ai.djl.nn.Activation.sigmoid(array));
    }

    @Override
    public Tensor tanh() {
        return derived(array.tanh());
    }

    @Override
    public Tensor erf() {
        return derived(array.erf());
    }

    @Override
    public Tensor matmul(Tensor other) {
        return binary(other, NDArray::matMul);
    }

    @Override
    public Tensor softmax(int axis) {
        // DJL passes the input's dtype to libtorch's softmax, which it cannot name for bfloat16.
        int a = axis(array, axis);
        return derived(Bfloat16.is(array) ? softmaxInFloat32(array, a, false) : array.softmax(a));
    }

    /**
     * Softmax of a bfloat16 array in float32, rounded back to bfloat16, as transformers computes
     * it. The float32 copies are closed as soon as the next one exists (and the input too when
     * the caller hands it over), so the step holds at most two score-sized float32 arrays (8 B an
     * element, as a float32 softmax does) instead of every copy until the scope ends (12 B).
     * Under autograd libtorch keeps what backward saved (the float32 probabilities).
     */
    private static NDArray softmaxInFloat32(NDArray bf16, int axis, boolean closeInput) {
        NDArray wide = Bfloat16.widen(bf16);
        if (closeInput) {
            bf16.close();
        }
        NDArray probs = wide.softmax(axis);
        wide.close();
        NDArray narrow = Bfloat16.narrow(probs);
        probs.close();
        return narrow;
    }

    @Override
    public Tensor logSoftmax(int axis) {
        return derived(Bfloat16.widen(array).logSoftmax(axis(array, axis))); // float32 (see Tensor#logSoftmax)
    }

    @Override
    public Tensor sum(int axis, boolean keepDims) {
        return derived(array.sum(new int[] {axis(array, axis)}, keepDims));
    }

    @Override
    public Tensor mean(int axis, boolean keepDims) {
        return derived(array.mean(new int[] {axis(array, axis)}, keepDims));
    }

    @Override
    public Tensor reshape(long... shape) {
        return derived(array.reshape(shape));
    }

    @Override
    public Tensor transpose(int... axes) {
        return derived(array.transpose(axes));
    }

    @Override
    public Tensor slice(int axis, long start, long end) {
        NDIndex index = new NDIndex();
        int a = axis(array, axis);
        for (int i = 0; i < a; i++) {
            index.addAllDim();
        }
        index.addSliceDim(start, end);
        return derived(array.get(index));
    }

    @Override
    public Tensor gatherLast(Tensor indices) {
        NDArray idx = of(indices).toType(DataType.INT64, false).expandDims(-1);
        return derived(array.gather(idx, array.getShape().dimension() - 1).squeeze(-1));
    }

    @Override
    public Tensor rows(Tensor indices) {
        NDArray idx = of(indices).toType(DataType.INT64, false);
        long[] shape = idx.getShape().getShape();
        NDArray flat = idx.reshape(-1);
        NDArray picked = array.get(new NDIndex("{}", flat));
        long[] out = new long[shape.length + 1];
        System.arraycopy(shape, 0, out, 0, shape.length);
        out[shape.length] = array.getShape().get(1);
        return derived(picked.reshape(out));
    }

    /** The fused paths that are on; null: all. Read from the system property once per engine call. */
    private static volatile java.util.Set<String> fusedPaths;

    /**
     * Reads the system property {@code mr1.pytorch.fused}: unset or {@code true} all fused
     * paths, {@code false} none, else a comma list of {@code linear}, {@code norm},
     * {@code attention}, {@code adamw}, {@code sample}, {@code kvcache}. The engine calls this at
     * the start of each scoped call, so the benchmark can switch paths between calls, side by
     * side, while the ops themselves read one field.
     */
    static void readFusedSetting() {
        String value = System.getProperty("mr1.pytorch.fused");
        if (value == null || value.equals("true")) {
            fusedPaths = null;
            return;
        }
        java.util.Set<String> on = new java.util.HashSet<>();
        for (String p : value.split(",")) {
            on.add(p.trim());
        }
        fusedPaths = on;
    }

    static {
        readFusedSetting();
    }

    /**
     * @param path one of the names of {@link #readFusedSetting}
     * @return whether that path takes the fused form
     */
    static boolean fused(String path) {
        java.util.Set<String> on = fusedPaths;
        return on == null || on.contains(path);
    }

    private static PtNDArray pt(NDArray a) {
        return (PtNDArray) a;
    }

    @Override
    public Tensor linear(Tensor weight, Tensor bias) {
        if (!fused("linear")) {
            return Tensor.super.linear(weight, bias);
        }
        DjlTensor w = cast(weight);
        NDArray x = self(w);
        NDArray b = bias == null ? null : like(of(bias), w.array);
        return new DjlTensor(JniUtils.linear(pt(x), pt(w.array), b == null ? null : pt(b)), weak && w.weak);
    }

    @Override
    public Tensor toFloat32() {
        return Bfloat16.is(array) || weak ? new DjlTensor(Bfloat16.widen(array), false) : this;
    }

    @Override
    public Tensor toTypeOf(Tensor other) {
        DjlTensor o = cast(other);
        NDArray a = like(array, o.array);
        return a == array && weak == o.weak ? this : new DjlTensor(a, weak && o.weak);
    }

    /**
     * As transformers' Qwen2RMSNorm: for a bfloat16 input the mean square and the normalisation
     * in float32, rounded to bfloat16, then times the weight.
     */
    @Override
    public Tensor rmsNorm(Tensor weight, double eps) {
        if (!fused("norm")) {
            return Tensor.super.rmsNorm(weight, eps);
        }
        DjlTensor w = cast(weight);
        NDArray input = self(w);
        NDArray x = Bfloat16.widen(input);
        int last = x.getShape().dimension() - 1;
        long width = x.getShape().get(last);
        // sqrt(sum x^2) in one pass without a squared copy; the rest is per row, not per element.
        NDArray norm = JniUtils.norm(pt(x), 2, new int[] {last}, true);
        NDArray inverse = norm.square().mul(scalar(1.0 / width)).add(scalar(eps)).pow(scalar(-0.5));
        NDArray normed = x.mul(inverse);
        if (Bfloat16.is(input)) {
            normed = Bfloat16.narrow(normed);
        }
        return new DjlTensor(normed.mul(w.array), weak && w.weak);
    }

    /** libtorch's layer_norm: for bfloat16 it computes in float32 and rounds once (as the composed form). */
    @Override
    public Tensor layerNorm(Tensor weight, Tensor bias, double eps) {
        if (!fused("norm")) {
            return Tensor.super.layerNorm(weight, bias, eps);
        }
        DjlTensor w = cast(weight);
        NDArray x = self(w);
        Shape normalized = new Shape(x.getShape().get(x.getShape().dimension() - 1));
        return new DjlTensor(JniUtils.layerNorm(pt(x), normalized, pt(w.array), pt(like(of(bias), w.array)), eps),
                weak && w.weak);
    }

    /** Eager attention as transformers runs it: scores in the input's dtype, softmax in float32, cast back. */
    @Override
    public Tensor attention(Tensor keys, Tensor values, Tensor bias, double scale) {
        if (!fused("attention")) {
            return Tensor.super.attention(keys, values, bias, scale);
        }
        DjlTensor kt = cast(keys);
        NDArray q = self(kt);
        NDArray k = operand(kt);
        NDArray v = like(of(values), q);
        NDArray scores = q.matMul(k.transpose(ComposedOps.swapLastTwo(k.getShape().dimension())));
        // In place: matmul's backward needs its operands, not its result, so autograd allows it,
        // and two score-sized copies per layer are saved.
        scores.muli(scalar(scale));
        if (bias != null) {
            scores.addi(like(of(bias), scores));
        }
        NDArray probs = Bfloat16.is(scores) ? softmaxInFloat32(scores, -1, true) : scores.softmax(-1);
        return new DjlTensor(probs.matMul(v), weak && kt.weak);
    }

    /**
     * An in-place write into the slice, one native {@code index_put_} (DJL's {@code set(NDIndex, ...)}
     * would add a broadcast, a reshape and shape queries, each a JNI call); a cache buffer,
     * never under autograd.
     */
    @Override
    public boolean writeInPlace(int axis, long start, Tensor part) {
        if (!fused("kvcache")) {
            return false;
        }
        NDArray source = of(part);
        long[] shape = array.getShape().getShape();
        long[] min = new long[shape.length];
        long[] max = shape.clone();
        long[] step = new long[shape.length];
        java.util.Arrays.fill(step, 1);
        min[axis] = start;
        max[axis] = start + source.getShape().get(axis);
        JniUtils.indexSet(pt(array), pt(source), min, max, step);
        return true;
    }

    @Override
    public Tensor detach() {
        return derived(array.stopGradient());
    }

    @Override
    public double toScalar() {
        return array.toType(DataType.FLOAT64, false).toDoubleArray()[0];
    }

    @Override
    public double[] toDoubleArray() {
        return array.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    @Override
    public float[] toFloatArray() {
        return array.toType(DataType.FLOAT32, false).toFloatArray();
    }
}
