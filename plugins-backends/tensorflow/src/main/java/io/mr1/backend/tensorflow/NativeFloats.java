package io.mr1.backend.tensorflow;

import io.mr1.models.SafeTensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.types.TFloat32;

/**
 * Float32 tensors in TensorFlow's native memory, read and written from Java in fixed-size
 * chunks, so that a variable, its moments and its gradient never have a whole copy on the
 * Java heap. Every helper works through at most {@link #CHUNK} floats at a time.
 */
final class NativeFloats {

    /** Floats moved between native memory and the heap at a time (64 KB). */
    static final int CHUNK = 1 << 14;

    private NativeFloats() {
    }

    /** The tensor's values as a float view of its native memory. */
    static FloatDataBuffer view(TFloat32 tensor) {
        return tensor.asRawTensor().data().asFloats();
    }

    /** A new native tensor of zeros (TF does not clear what it allocates). */
    static TFloat32 zeros(long[] shape) {
        TFloat32 t = TFloat32.tensorOf(Shape.of(shape));
        fill(t, 0f);
        return t;
    }

    /** Sets every value of a native tensor. */
    static void fill(TFloat32 tensor, float value) {
        FloatDataBuffer out = view(tensor);
        float[] chunk = new float[(int) Math.min(CHUNK, Math.max(out.size(), 1))];
        Arrays.fill(chunk, value);
        for (long i = 0; i < out.size(); i += chunk.length) {
            int n = (int) Math.min(chunk.length, out.size() - i);
            out.slice(i, n).write(chunk, 0, n);
        }
    }

    /** A new native tensor holding a copy of host values. */
    static TFloat32 of(float[] values, long[] shape) {
        return TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false));
    }

    /** A new native tensor holding a copy of another's values (no heap copy). */
    static TFloat32 copyOf(TFloat32 source) {
        TFloat32 t = TFloat32.tensorOf(source.shape());
        view(source).copyTo(view(t), view(source).size());
        return t;
    }

    /** Copies all values of {@code source} over {@code target}'s (same size; no heap copy). */
    static void copy(TFloat32 source, TFloat32 target) {
        FloatDataBuffer from = view(source);
        FloatDataBuffer to = view(target);
        if (from.size() != to.size()) {
            throw new IllegalArgumentException(from.size() + " values copied over " + to.size());
        }
        from.copyTo(to, from.size());
    }

    /** The values, copied to a new heap array (for a caller that asked for one). */
    static float[] toArray(TFloat32 tensor) {
        float[] out = new float[Math.toIntExact(tensor.shape().size())];
        view(tensor).read(out);
        return out;
    }

    /**
     * A new native float32 tensor from a checkpoint's stored bytes (little-endian F32, BF16 or
     * F16), widened chunk by chunk: the bytes (typically a memory-mapped slice) are never
     * copied whole onto the heap.
     */
    static TFloat32 fromStored(ByteBuffer bytes, String dtype, long[] shape) {
        long size = Shape.of(shape).size();
        int width = switch (dtype) {
            case "F32" -> 4;
            case "BF16", "F16" -> 2;
            default -> throw new IllegalArgumentException("unsupported dtype " + dtype + "; valid: F32, BF16, F16");
        };
        ByteBuffer source = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        source.position(0);
        if (source.remaining() != size * width) {
            throw new IllegalArgumentException(source.remaining() + " bytes of " + dtype + " for shape "
                    + Arrays.toString(shape));
        }
        TFloat32 t = TFloat32.tensorOf(Shape.of(shape));
        try {
            FloatDataBuffer out = view(t);
            float[] chunk = new float[(int) Math.min(CHUNK, Math.max(size, 1))];
            FloatBuffer floats = width == 4 ? source.asFloatBuffer() : null;
            ShortBuffer halves = width == 2 ? source.asShortBuffer() : null;
            boolean bf16 = dtype.equals("BF16");
            for (long i = 0; i < size; i += chunk.length) {
                int n = (int) Math.min(chunk.length, size - i);
                if (floats != null) {
                    floats.get(chunk, 0, n);
                } else {
                    for (int k = 0; k < n; k++) {
                        short h = halves.get();
                        chunk[k] = bf16 ? Float.intBitsToFloat((h & 0xffff) << 16) : SafeTensors.halfToFloat(h);
                    }
                }
                out.slice(i, n).write(chunk, 0, n);
            }
            return t;
        } catch (RuntimeException | Error e) {
            t.close();
            throw e;
        }
    }
}
