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
 * DJL's GradientCollector for arrays that require them. Values are float32 (the engine's
 * training type); indices are int64.
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

    DjlTensor(NDArray array) {
        this.array = array;
    }

    private static NDArray of(Tensor t) {
        if (t instanceof DjlTensor d) {
            return d.array;
        }
        throw new IllegalArgumentException("cannot mix engines: " + t.getClass().getName());
    }

    private static Tensor wrap(NDArray a) {
        return new DjlTensor(a);
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
                return wrap(owned(manager.create(f, new Shape(shape))));
            }

            @Override
            public Tensor constant(float[] values, long... shape) {
                return wrap(owned(manager.create(values, new Shape(shape))));
            }

            @Override
            public Tensor indices(long[] values, long... shape) {
                return wrap(owned(manager.create(values, new Shape(shape))));
            }

            @Override
            public Tensor zeros(long... shape) {
                return wrap(manager.zeros(new Shape(shape)));
            }

            @Override
            public Tensor concat(List<Tensor> parts, int axis) {
                NDList list = new NDList();
                parts.forEach(p -> list.add(of(p)));
                return wrap(NDArrays.concat(list, axis));
            }

            /**
             * A nested NDScope. Each kept tensor leaves it as a new handle (a same-shape view, no
             * copy) registered in the enclosing scope, so a kept tensor made before the block (a
             * variable) is never handed to a scope that would close it.
             */
            @Override
            public Tensor[] keepOnly(java.util.function.Supplier<Tensor[]> block) {
                NDArray[] kept;
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    Tensor[] out = block.get();
                    kept = new NDArray[out.length];
                    for (int i = 0; i < out.length; i++) {
                        NDArray a = of(out[i]);
                        kept[i] = a.reshape(a.getShape());
                        NDScope.unregister(kept[i]);
                    }
                }
                Tensor[] result = new Tensor[kept.length];
                for (int i = 0; i < kept.length; i++) {
                    NDScope.register(kept[i]);
                    result[i] = wrap(kept[i]);
                }
                return result;
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
        return wrap(array.add(of(other)));
    }

    @Override
    public Tensor sub(Tensor other) {
        return wrap(array.sub(of(other)));
    }

    @Override
    public Tensor mul(Tensor other) {
        return wrap(array.mul(of(other)));
    }

    @Override
    public Tensor div(Tensor other) {
        return wrap(array.div(of(other)));
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
        return wrap(array.add(scalar(value)));
    }

    @Override
    public Tensor mul(double value) {
        return wrap(array.mul(scalar(value)));
    }

    @Override
    public Tensor neg() {
        return wrap(array.neg());
    }

    @Override
    public Tensor exp() {
        return wrap(array.exp());
    }

    @Override
    public Tensor log() {
        return wrap(array.log());
    }

    @Override
    public Tensor square() {
        return wrap(array.square());
    }

    @Override
    public Tensor minimum(Tensor other) {
        return wrap(NDArrays.minimum(array, of(other)));
    }

    @Override
    public Tensor maximum(Tensor other) {
        return wrap(NDArrays.maximum(array, of(other)));
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
        return wrap(out);
    }

    @Override
    public Tensor lt(double value) {
        return wrap(array.stopGradient().lt(value).toType(DataType.FLOAT32, false));
    }

    @Override
    public Tensor gt(double value) {
        return wrap(array.stopGradient().gt(value).toType(DataType.FLOAT32, false));
    }

    @Override
    public Tensor sum() {
        return wrap(array.sum());
    }

    @Override
    public Tensor sum(int axis) {
        return sum(axis, false);
    }

    @Override
    public Tensor sqrt() {
        return wrap(array.sqrt());
    }

    @Override
    public Tensor rsqrt() {
        return wrap(array.pow(scalar(-0.5)));
    }

    @Override
    public Tensor sigmoid() {
        return wrap(ai.djl.nn.Activation.sigmoid(array));
    }

    @Override
    public Tensor tanh() {
        return wrap(array.tanh());
    }

    @Override
    public Tensor erf() {
        return wrap(array.erf());
    }

    @Override
    public Tensor matmul(Tensor other) {
        return wrap(array.matMul(of(other)));
    }

    @Override
    public Tensor softmax(int axis) {
        return wrap(array.softmax(axis(array, axis)));
    }

    @Override
    public Tensor logSoftmax(int axis) {
        return wrap(array.logSoftmax(axis(array, axis)));
    }

    @Override
    public Tensor sum(int axis, boolean keepDims) {
        return wrap(array.sum(new int[] {axis(array, axis)}, keepDims));
    }

    @Override
    public Tensor mean(int axis, boolean keepDims) {
        return wrap(array.mean(new int[] {axis(array, axis)}, keepDims));
    }

    @Override
    public Tensor reshape(long... shape) {
        return wrap(array.reshape(shape));
    }

    @Override
    public Tensor transpose(int... axes) {
        return wrap(array.transpose(axes));
    }

    @Override
    public Tensor slice(int axis, long start, long end) {
        NDIndex index = new NDIndex();
        int a = axis(array, axis);
        for (int i = 0; i < a; i++) {
            index.addAllDim();
        }
        index.addSliceDim(start, end);
        return wrap(array.get(index));
    }

    @Override
    public Tensor gatherLast(Tensor indices) {
        NDArray idx = of(indices).toType(DataType.INT64, false).expandDims(-1);
        return wrap(array.gather(idx, array.getShape().dimension() - 1).squeeze(-1));
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
        return wrap(picked.reshape(out));
    }

    /**
     * Whether a fused path is on. System property {@code mr1.pytorch.fused}: unset or
     * {@code true} all, {@code false} none, else a comma list of {@code linear}, {@code norm},
     * {@code attention}, {@code adamw}, {@code sample}, {@code kvcache} (the benchmark switches them one by one, side by side).
     *
     * @param path one of those names
     * @return whether that path takes the fused form
     */
    static boolean fused(String path) {
        String value = System.getProperty("mr1.pytorch.fused");
        if (value == null || value.equals("true")) {
            return true;
        }
        for (String p : value.split(",")) {
            if (p.trim().equals(path)) {
                return true;
            }
        }
        return false;
    }

    private static PtNDArray pt(NDArray a) {
        return (PtNDArray) a;
    }

    @Override
    public Tensor linear(Tensor weight, Tensor bias) {
        if (!fused("linear")) {
            return Tensor.super.linear(weight, bias);
        }
        return wrap(JniUtils.linear(pt(array), pt(of(weight)), bias == null ? null : pt(of(bias))));
    }

    @Override
    public Tensor rmsNorm(Tensor weight, double eps) {
        if (!fused("norm")) {
            return Tensor.super.rmsNorm(weight, eps);
        }
        int last = array.getShape().dimension() - 1;
        long width = array.getShape().get(last);
        // sqrt(sum x^2) in one pass without a squared copy; the rest is per row, not per element.
        NDArray norm = JniUtils.norm(pt(array), 2, new int[] {last}, true);
        NDArray inverse = norm.square().mul(scalar(1.0 / width)).add(scalar(eps)).pow(scalar(-0.5));
        return wrap(array.mul(inverse).mul(of(weight)));
    }

    @Override
    public Tensor layerNorm(Tensor weight, Tensor bias, double eps) {
        if (!fused("norm")) {
            return Tensor.super.layerNorm(weight, bias, eps);
        }
        Shape normalized = new Shape(array.getShape().get(array.getShape().dimension() - 1));
        return wrap(JniUtils.layerNorm(pt(array), normalized, pt(of(weight)), pt(of(bias)), eps));
    }

    @Override
    public Tensor attention(Tensor keys, Tensor values, Tensor bias, double scale) {
        if (!fused("attention")) {
            return Tensor.super.attention(keys, values, bias, scale);
        }
        NDArray k = of(keys);
        NDArray scores = array.matMul(k.transpose(ComposedOps.swapLastTwo(k.getShape().dimension())));
        // In place: matmul's backward needs its operands, not its result, so autograd allows it,
        // and two score-sized copies per layer are saved.
        scores.muli(scalar(scale));
        if (bias != null) {
            scores.addi(of(bias));
        }
        return wrap(scores.softmax(-1).matMul(of(values)));
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
        return wrap(array.stopGradient());
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
