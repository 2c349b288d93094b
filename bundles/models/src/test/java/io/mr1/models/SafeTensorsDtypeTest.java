package io.mr1.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Narrowing to BF16 and F16 as torch rounds, and writing tensors in their own dtypes. */
class SafeTensorsDtypeTest {

    private static float bf16(float v) {
        return Float.intBitsToFloat((SafeTensors.floatToBfloat16(v) & 0xffff) << 16);
    }

    @Test
    void bfloat16RoundsToNearestEven() {
        assertEquals(1.0f, bf16(1.0f + 0x1p-8f), "a tie goes to the even mantissa (1.0)");
        assertEquals(1.0f + 0x1p-6f, bf16(1.0f + 0x1p-7f + 0x1p-8f), "a tie goes to the even mantissa (up)");
        assertEquals(1.0f + 0x1p-7f, bf16(1.0f + 0x1p-7f + 0x1p-9f), "below the tie: down");
        assertEquals(-2.5f, bf16(-2.5f));
        assertEquals(Float.POSITIVE_INFINITY, bf16(Float.MAX_VALUE), "overflow rounds to infinity, as torch does");
        assertTrue(Float.isNaN(bf16(Float.NaN)));
        for (int bits = 0; bits < 0x10000; bits++) { // every bfloat16 value survives the round trip
            float v = Float.intBitsToFloat(bits << 16);
            if (!Float.isNaN(v)) {
                assertEquals(bits, SafeTensors.floatToBfloat16(v) & 0xffff);
            }
        }
    }

    @Test
    void halfPrecisionRoundTripsEveryValueAndRoundsToNearestEven() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float v = SafeTensors.halfToFloat((short) bits);
            if (!Float.isNaN(v)) {
                assertEquals(bits, SafeTensors.floatToHalf(v) & 0xffff, "half " + Integer.toHexString(bits));
            }
        }
        assertEquals(1.0f, SafeTensors.halfToFloat(SafeTensors.floatToHalf(1.0f + 0x1p-11f)), "tie to even");
        assertEquals(1.0f + 0x1p-9f, SafeTensors.halfToFloat(SafeTensors.floatToHalf(1.0f + 0x1p-10f + 0x1p-11f)));
        assertEquals(Float.POSITIVE_INFINITY, SafeTensors.halfToFloat(SafeTensors.floatToHalf(70000f)));
        assertEquals(0x1p-24f, SafeTensors.halfToFloat(SafeTensors.floatToHalf(0x1p-24f)), "smallest subnormal");
        assertEquals(0f, SafeTensors.halfToFloat(SafeTensors.floatToHalf(0x1p-26f)));
    }

    @Test
    void eachTensorIsWrittenInItsOwnDtypeAndStreamedBack(@TempDir Path tmp) throws Exception {
        Map<String, SafeTensors.TensorInfo> layout = new LinkedHashMap<>();
        layout.put("a", new SafeTensors.TensorInfo("F32", new long[] {2, 2}));
        layout.put("b", new SafeTensors.TensorInfo("BF16", new long[] {3}));
        layout.put("c", new SafeTensors.TensorInfo("F16", new long[] {2}));
        Map<String, float[]> values = Map.of("a", new float[] {1.25f, -3f, 0.1f, 7f}, "b",
                new float[] {1.5f, 0.1f, -2f}, "c", new float[] {0.5f, -65504f});
        Path file = tmp.resolve("mixed.safetensors");
        SafeTensors.write(file, layout, values::get);
        Map<String, SafeTensors.TensorInfo> described = SafeTensors.describe(file);
        assertEquals("F32", described.get("a").dtype());
        assertEquals("BF16", described.get("b").dtype());
        assertEquals("F16", described.get("c").dtype());
        Map<String, SafeTensors.Entry> read = SafeTensors.read(file);
        assertArrayEquals(values.get("a"), read.get("a").data());
        assertArrayEquals(new float[] {1.5f, bf16(0.1f), -2f}, read.get("b").data());
        assertArrayEquals(values.get("c"), read.get("c").data());
        assertTrue(Unmapper.immediate(), "mapped tensors are released at once on this JDK");
    }
}
