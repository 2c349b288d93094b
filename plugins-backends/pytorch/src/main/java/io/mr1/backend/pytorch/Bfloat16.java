package io.mr1.backend.pytorch;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * bfloat16 tensors through DJL 0.36, whose JNI maps only nine libtorch dtypes: asking it for
 * {@code BFLOAT16} anywhere (create, {@code toType}, zeros, softmax with the input's dtype)
 * ends the process in a C++ {@code terminate}, and a libtorch bfloat16 tensor reads back as
 * {@link DataType#UNKNOWN}. So no bfloat16 dtype ever crosses the JNI: one bfloat16 seed
 * value comes from a TorchScript module in this bundle ({@code bf16-seed.pt}, made by
 * {@code bf16-seed.py}), new bfloat16 tensors are that seed expanded and cloned, values enter
 * by libtorch's dtype-converting copy (round to nearest even) or as raw bytes, and they leave
 * widened by a sum with a float32 zero under autograd (type promotion: differentiable, where
 * DJL's {@code toType} runs without autograd), by {@code toType(FLOAT32)} outside it. Every other op libtorch runs in the operands' dtype.
 */
final class Bfloat16 {

    private static final String SEED = "bf16-seed.pt";
    /** The seed per device, in a manager that lives as long as the class. */
    private static final Map<Device, NDArray> SEEDS = new HashMap<>();
    private static NDManager seedManager;

    private Bfloat16() {
    }

    /**
     * @param a an array of this engine
     * @return whether it holds bfloat16 (DJL reads libtorch's bfloat16 as UNKNOWN; the engine makes no other unknown type)
     */
    static boolean is(NDArray a) {
        return a.getDataType() == DataType.UNKNOWN;
    }

    /**
     * The seed on a device: the module is loaded onto it (libtorch maps the tensors there), since
     * moving a bfloat16 array between devices through DJL would name its dtype.
     */
    private static synchronized NDArray seed(Device device) {
        NDArray seed = SEEDS.get(device);
        if (seed == null) {
            if (seedManager == null) {
                seedManager = NDManager.newBaseManager(Device.cpu(), TorchBackend.ENGINE);
            }
            NDManager onDevice = seedManager.newSubManager(device);
            try (InputStream in = Bfloat16.class.getResourceAsStream(SEED)) {
                if (in == null) {
                    throw new IllegalStateException("the bundle lacks its resource " + SEED);
                }
                var block = JniUtils.loadModule((PtNDManager) onDevice, in, true, false);
                seed = JniUtils.moduleGetParams(block, (PtNDManager) onDevice).get(0);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + SEED + ": " + e.getMessage(), e);
            }
            if (!is(seed) || seed.getShape().size() != 1) {
                throw new IllegalStateException(SEED + " does not hold one bfloat16 value");
            }
            ai.djl.ndarray.NDScope.unregister(seed);
            SEEDS.put(device, seed);
        }
        return seed;
    }

    /**
     * @param manager the manager (and device) the result belongs to
     * @param shape its shape
     * @return a bfloat16 tensor of zeros (the seed is 0)
     */
    static NDArray zeros(NDManager manager, Shape shape) {
        NDArray seed = seed(manager.getDevice());
        NDArray out = (shape.dimension() == 0 ? seed.reshape(new Shape()) : seed.broadcast(shape)).duplicate();
        out.attach(manager);
        return out;
    }

    /**
     * Rounds an array to bfloat16 (nearest even), differentiably: a copy into a fresh bfloat16
     * tensor, which autograd records.
     *
     * @param a a floating array
     * @return a in bfloat16 (a itself when it is bfloat16)
     */
    static NDArray narrow(NDArray a) {
        if (is(a)) {
            return a;
        }
        long[] shape = a.getShape().getShape();
        NDArray out = zeros(a.getManager(), a.getShape());
        if (shape.length == 0) {
            out.set(new ai.djl.ndarray.index.NDIndex(), a);
            return out;
        }
        long[] step = new long[shape.length];
        java.util.Arrays.fill(step, 1);
        JniUtils.indexSet((PtNDArray) out, (PtNDArray) a, new long[shape.length], shape, step);
        return out;
    }

    /**
     * Widens a bfloat16 array to float32 exactly. Under autograd (a gradient collector's grad
     * mode) as a sum with a float32 zero, which type promotion makes float32 and whose backward
     * keeps no tensor (a product with one would keep the bfloat16 input for its backward: a second
     * copy of every attention score); a zero's sign may turn positive there, which no value
     * downstream sees. Outside autograd by libtorch's conversion, exactly, signs included.
     *
     * @param a an array
     * @return a in float32 (a itself when it is not bfloat16)
     */
    static NDArray widen(NDArray a) {
        if (!is(a)) {
            return a;
        }
        if (!JniUtils.isGradMode()) {
            return a.toType(DataType.FLOAT32, false);
        }
        NDArray zero = DjlTensor.owned(a.getManager().create(new float[] {0f}));
        NDArray out = a.add(zero);
        return a.getShape().dimension() == 0 ? out.reshape(new Shape()) : out;
    }

    /**
     * A bfloat16 tensor from stored bytes without a float copy, in libtorch's own memory (the
     * bytes may be unmapped right after).
     *
     * @param manager the manager (and device) the result belongs to
     * @param bytes BF16 values in native byte order, direct, from position 0 to the limit
     * @param shape the shape
     * @return the tensor
     */
    static NDArray fromBytes(NDManager manager, ByteBuffer bytes, Shape shape) {
        if (manager.getDevice().equals(Device.cpu())) {
            // DJL's set makes the tensor an alias of the buffer (no copy): clone it into libtorch's
            // memory before the caller unmaps the bytes.
            NDArray alias = zeros(manager, shape);
            JniUtils.set((PtNDArray) alias, bytes);
            NDArray out = alias.duplicate();
            alias.close();
            return out;
        }
        // Raw bytes go into host memory; libtorch's copy moves them onto the device (CUDA: untested here).
        try (NDManager host = manager.newSubManager(Device.cpu())) {
            NDArray staged = fromBytes(host, bytes, shape);
            NDArray out = zeros(manager, shape);
            out.set(new ai.djl.ndarray.index.NDIndex(":"), staged);
            return out;
        }
    }
}
