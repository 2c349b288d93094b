package io.mr1.backend.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.models.SafeTensors;
import io.mr1.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Variables in TensorFlow's native memory: loading a checkpoint's stored bytes (F32, BF16, F16,
 * from a direct buffer as a memory map gives them, over more than one transfer chunk) gives
 * exactly the values the shared widening gives; zeros are zeros; a wrong byte count names the
 * variable; an in-place assign reaches the next graph.
 */
class TfNativeVariablesTest {

    /** More than two chunks, and not a multiple of one. */
    private static final int SIZE = 2 * NativeFloats.CHUNK + 123;

    private static ByteBuffer stored(String dtype, Random random) {
        int width = dtype.equals("F32") ? 4 : 2;
        ByteBuffer b = ByteBuffer.allocateDirect(SIZE * width).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < SIZE; i++) {
            if (width == 4) {
                b.putFloat((float) random.nextGaussian());
            } else {
                b.putShort((short) random.nextInt(1 << 16));
            }
        }
        return b.flip();
    }

    @Test
    void storedBytesLoadAsTheSharedWideningGivesThem() {
        Random random = new Random(3);
        try (TfEngine engine = new TfEngine()) {
            for (String dtype : new String[] {"F32", "BF16", "F16"}) {
                ByteBuffer bytes = stored(dtype, random);
                engine.create(dtype, bytes, dtype, new long[] {SIZE}, true);
                float[] expected = SafeTensors.floats(dtype, bytes);
                float[] actual = engine.read(dtype);
                assertEquals(expected.length, actual.length, dtype);
                for (int i = 0; i < expected.length; i++) {
                    // bit patterns: NaN payloads from random F16/BF16 bits compare too
                    assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                            dtype + "[" + i + "]");
                }
                assertEquals(0, bytes.position(), "the caller's buffer position is left alone");
            }
        }
    }

    /** Saving streams from native memory by chunks: the bytes equal the whole-tensor conversion in every dtype. */
    @Test
    void aVariableStreamsInEachStoredDtypeAsTheWholeTensorConversion() throws Exception {
        Random random = new Random(4);
        try (TfEngine engine = new TfEngine()) {
            engine.create("w", stored("F32", random), "F32", new long[] {SIZE}, true);
            for (String dtype : new String[] {"F32", "BF16", "F16"}) {
                var info = new SafeTensors.TensorInfo(dtype, new long[] {SIZE});
                var expected = new java.io.ByteArrayOutputStream();
                SafeTensors.fromFloats(engine::read).write("w", info, expected);
                var actual = new java.io.ByteArrayOutputStream();
                engine.write("w", dtype, actual);
                assertEquals(info.bytes(), actual.size(), dtype);
                assertArrayEquals(expected.toByteArray(), actual.toByteArray(), dtype);
            }
            var e = assertThrows(java.io.IOException.class,
                    () -> engine.write("w", "F64", new java.io.ByteArrayOutputStream()));
            assertTrue(e.getMessage().contains("w") && e.getMessage().contains("F64"), e.getMessage());
        }
    }

    @Test
    void zerosAndErrors() {
        try (TfEngine engine = new TfEngine()) {
            engine.createZeros("m", new long[] {SIZE}, false);
            for (float v : engine.read("m")) {
                assertEquals(0f, v);
            }
            ByteBuffer tooShort = ByteBuffer.allocateDirect(10);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> engine.create("w", tooShort, "BF16", new long[] {2, 3}, true));
            assertTrue(e.getMessage().contains("variable w") && e.getMessage().contains("[2, 3]"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> engine.create("w", ByteBuffer.allocateDirect(8), "F64", new long[] {1}, true));
        }
    }

    @Test
    void assignWritesInPlaceAndGraphsReadIt() {
        try (TfEngine engine = new TfEngine()) {
            engine.create("w", new float[] {1, 2, 3}, new long[] {3}, false);
            assertArrayEquals(new float[] {2, 4, 6}, engine.evaluate(() -> engine.variable("w").mul(2.0)));
            engine.scoped(() -> {
                Tensor v = engine.variable("w").add(1.0);
                engine.assign("w", v);
                // the scope's copy of w is the new value too
                assertArrayEquals(new float[] {2, 3, 4}, engine.variable("w").toFloatArray());
                return null;
            });
            assertArrayEquals(new float[] {4, 6, 8}, engine.evaluate(() -> engine.variable("w").mul(2.0)));
            assertThrows(IllegalArgumentException.class,
                    () -> engine.assign("w", engine.tensors().constant(new float[] {1, 2}, 2)));
        }
    }
}
