package io.mr1.models;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Reads and writes the safetensors format (an 8-byte little-endian header length, a JSON
 * header of {name: {dtype, shape, data_offsets}}, then raw little-endian data) for F32, BF16
 * and F16 tensors, in plain Java so checkpoints are the same bytes whichever engine wrote them.
 *
 * <p>Model weights are streamed: {@link #stream} memory-maps one tensor at a time, hands the
 * mapped bytes to a consumer and unmaps them before the next, so loading a checkpoint never
 * holds the whole file (or a float copy of it) on the Java heap; {@link #write(Path, Map,
 * TensorBytes)} writes one tensor at a time, each streamed in its stored dtype by its source
 * (an engine, in bounded chunks). {@link #read} (every tensor widened to float) is for small files: optimiser
 * state, tests.
 */
public final class SafeTensors {

    /**
     * A tensor read from or written to a file.
     *
     * @param shape its shape
     * @param data row-major values
     */
    public record Entry(long[] shape, float[] data) {
    }

    private SafeTensors() {
    }

    /**
     * Writes float32 tensors, sorted by name (as the reference implementation does), atomically.
     *
     * @param file the .safetensors file
     * @param tensors name to tensor
     * @throws IOException if writing fails
     */
    public static void write(Path file, Map<String, Entry> tensors) throws IOException {
        Map<String, TensorInfo> layout = new LinkedHashMap<>();
        tensors.forEach((name, e) -> layout.put(name, new TensorInfo("F32", e.shape())));
        write(file, layout, name -> tensors.get(name).data());
    }

    /**
     * Writes tensors one at a time, sorted by name, atomically: each is fetched from
     * {@code values} only when its turn comes and stored in its layout's dtype (F32, BF16 with
     * round-to-nearest-even as torch rounds, or F16), so only one tensor's values are in memory.
     *
     * @param file the .safetensors file
     * @param layout name to the dtype to store and the shape
     * @param values a tensor's row-major float values, by name
     * @throws IOException if writing fails or a dtype is not one of F32, BF16, F16
     */
    public static void write(Path file, Map<String, TensorInfo> layout, Function<String, float[]> values)
            throws IOException {
        write(file, layout, fromFloats(values));
    }

    /**
     * A tensor writer over float values fetched whole (small tensors, engines without a streamed
     * read): converted to the stored dtype 1 MB at a time.
     *
     * @param values a tensor's row-major float values, by name
     * @return the writer
     */
    public static TensorBytes fromFloats(Function<String, float[]> values) {
        return (name, info, out) -> {
            float[] data = values.apply(name);
            if (data.length != info.elements()) {
                throw new IOException("tensor " + name + " has " + data.length + " values for shape "
                        + java.util.Arrays.toString(info.shape()));
            }
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            int step = chunk.capacity() / 4;
            for (int from = 0; from < data.length; from += step) {
                chunk.clear();
                encode(data, from, Math.min(step, data.length - from), info.dtype(), chunk);
                out.write(chunk.array(), 0, chunk.position());
            }
        };
    }

    /** Writes one tensor's data, little endian, in its layout's dtype. */
    @FunctionalInterface
    public interface TensorBytes {
        /**
         * @param name the tensor
         * @param info its dtype and shape: exactly {@code info.bytes()} bytes are to be written
         * @param out where they go
         * @throws IOException if writing fails
         */
        void write(String name, TensorInfo info, java.io.OutputStream out) throws IOException;
    }

    /**
     * Writes tensors one at a time, sorted by name, atomically, each written by {@code values}
     * straight in its stored dtype (an engine streams bounded chunks of its own memory, so no
     * tensor is ever whole on the Java heap). A tensor given more or fewer bytes than its shape
     * and dtype need is an error naming it.
     *
     * @param file the .safetensors file
     * @param layout name to the dtype to store and the shape
     * @param values writes a tensor's bytes
     * @throws IOException if writing fails
     */
    public static void write(Path file, Map<String, TensorInfo> layout, TensorBytes values) throws IOException {
        Map<String, TensorInfo> sorted = new TreeMap<>(layout);
        JsonObject header = new JsonObject();
        long offset = 0;
        for (Map.Entry<String, TensorInfo> e : sorted.entrySet()) {
            JsonObject meta = new JsonObject();
            meta.addProperty("dtype", e.getValue().dtype());
            var shape = new com.google.gson.JsonArray();
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            meta.add("shape", shape);
            var offsets = new com.google.gson.JsonArray();
            offsets.add(offset);
            offset += e.getValue().bytes();
            offsets.add(offset);
            meta.add("data_offsets", offsets);
            header.add(e.getKey(), meta);
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // the format allows space padding; alignment helps mmap readers
        io.mr1.core.io.AtomicFiles.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(json);
            for (int i = json.length; i < padded; i++) {
                out.write(' ');
            }
            for (Map.Entry<String, TensorInfo> e : sorted.entrySet()) {
                long[] written = {0};
                java.io.OutputStream counting = new java.io.FilterOutputStream(out) {
                    @Override
                    public void write(int b) throws IOException {
                        out.write(b);
                        written[0]++;
                    }

                    @Override
                    public void write(byte[] b, int off, int n) throws IOException {
                        out.write(b, off, n);
                        written[0] += n;
                    }
                };
                try {
                    values.write(e.getKey(), e.getValue(), counting);
                } catch (IOException | RuntimeException x) {
                    throw new IOException(file + ": " + x.getMessage(), x);
                }
                if (written[0] != e.getValue().bytes()) {
                    throw new IOException(file + ": tensor " + e.getKey() + " got " + written[0] + " bytes, its "
                            + e.getValue().dtype() + " shape " + java.util.Arrays.toString(e.getValue().shape())
                            + " needs " + e.getValue().bytes());
                }
            }
        });
    }

    /**
     * Converts float values to a stored dtype: F32, BF16 with round-to-nearest-even as torch
     * rounds, or F16.
     *
     * @param values the values
     * @param from the first to convert
     * @param n how many
     * @param dtype F32, BF16 or F16
     * @param out receives them (little endian, from its position; needs room for n values)
     */
    public static void encode(float[] values, int from, int n, String dtype, ByteBuffer out) {
        ByteBuffer b = out.order() == ByteOrder.LITTLE_ENDIAN ? out : out.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = from; i < from + n; i++) {
            switch (dtype) {
                case "F32" -> b.putFloat(values[i]);
                case "BF16" -> b.putShort(floatToBfloat16(values[i]));
                default -> b.putShort(floatToHalf(values[i]));
            }
        }
        if (b != out) {
            out.position(b.position());
        }
    }

    /**
     * Widens stored 16- or 32-bit values to float: the one place that reads BF16 and F16 (BF16
     * is the upper half of a float32, exactly; F16 through {@link #halfToFloat}).
     *
     * @param dtype F32, BF16 or F16
     * @param source the stored values, little endian, from index 0
     * @param first the first element to widen
     * @param out receives {@code n} values at its indices 0..n-1
     * @param n how many
     */
    public static void widen(String dtype, ByteBuffer source, long first, java.nio.FloatBuffer out, int n) {
        ByteBuffer b = source.order() == ByteOrder.LITTLE_ENDIAN ? source
                : source.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int w = width(dtype);
        int base = Math.toIntExact(first * w);
        switch (dtype) {
            case "F32" -> {
                for (int i = 0; i < n; i++) {
                    out.put(i, b.getFloat(base + 4 * i));
                }
            }
            case "BF16" -> {
                for (int i = 0; i < n; i++) {
                    out.put(i, Float.intBitsToFloat((b.getShort(base + 2 * i) & 0xffff) << 16));
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    out.put(i, halfToFloat(b.getShort(base + 2 * i)));
                }
            }
        }
    }

    /**
     * Reads every tensor of a file, widened to float (for small files: the optimiser state,
     * tests; model weights are {@linkplain #stream streamed}).
     *
     * @param file the .safetensors file
     * @return name to tensor, in file order
     * @throws IOException if the file is missing or malformed (the message names it)
     */
    public static Map<String, Entry> read(Path file) throws IOException {
        Map<String, Entry> out = new LinkedHashMap<>();
        stream(file, (name, info, bytes) -> out.put(name, new Entry(info.shape(), floats(info.dtype(), bytes))));
        return out;
    }

    /** Receives one tensor's stored bytes. */
    @FunctionalInterface
    public interface TensorConsumer {
        /**
         * @param name the tensor's name
         * @param info its dtype and shape
         * @param bytes its data, little endian, read-only; valid only during this call (it is unmapped after)
         * @throws IOException to stop the stream
         */
        void accept(String name, TensorInfo info, ByteBuffer bytes) throws IOException;
    }

    /**
     * Streams a file's tensors in file order: each tensor's bytes are memory-mapped, handed to
     * the consumer and unmapped before the next is mapped, so the process holds at most one
     * tensor of the file at a time. The whole header is checked (dtypes, sizes, truncation)
     * before the first tensor is handed over.
     *
     * @param file the .safetensors file
     * @param consumer receives each tensor
     * @throws IOException if the file is missing, malformed or truncated (the message names it and the tensor)
     */
    public static void stream(Path file, TensorConsumer consumer) throws IOException {
        header(file).stream(consumer);
    }

    /**
     * A file's header, read and checked once (dtypes, sizes, truncation): its tensors and where
     * their data lie, to describe them and then stream them without parsing the header again.
     */
    public static final class Header {
        private final Path file;
        private final java.util.List<Slot> slots;

        private Header(Path file, java.util.List<Slot> slots) {
            this.file = file;
            this.slots = slots;
        }

        /** @return name to dtype and shape, in file order */
        public Map<String, TensorInfo> tensors() {
            Map<String, TensorInfo> out = new LinkedHashMap<>();
            for (Slot slot : slots) {
                out.put(slot.name, slot.info);
            }
            return out;
        }

        /**
         * Streams the file's tensors as {@link SafeTensors#stream} does.
         *
         * @param consumer receives each tensor
         * @throws IOException if the file cannot be mapped, or the consumer stops the stream
         */
        public void stream(TensorConsumer consumer) throws IOException {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                for (Slot slot : slots) {
                    if (slot.info.bytes() == 0) {
                        consumer.accept(slot.name, slot.info, ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN));
                        continue;
                    }
                    java.nio.MappedByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, slot.start,
                            slot.info.bytes());
                    try {
                        consumer.accept(slot.name, slot.info, mapped.order(ByteOrder.LITTLE_ENDIAN));
                    } finally {
                        Unmapper.unmap(mapped);
                    }
                }
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IOException("missing weights file " + file, e);
            }
        }
    }

    /**
     * Reads and checks a file's header only (no tensor data).
     *
     * @param file the .safetensors file
     * @return the header
     * @throws IOException if the file is missing, malformed or truncated (the message names it and the tensor)
     */
    public static Header header(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return new Header(file, slots(ch, file));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("missing weights file " + file, e);
        }
    }

    /**
     * Widens stored values to float.
     *
     * @param dtype F32, BF16 or F16
     * @param bytes the values, little endian (read from index 0; the buffer's position is not moved)
     * @return the values
     */
    public static float[] floats(String dtype, ByteBuffer bytes) {
        float[] values = new float[bytes.limit() / width(dtype)];
        widen(dtype, bytes, 0, java.nio.FloatBuffer.wrap(values), values.length);
        return values;
    }

    /** Bytes per element of a dtype mr1 reads, 0 for any other. */
    static int width(String dtype) {
        return switch (dtype == null ? "" : dtype) {
            case "F32" -> 4;
            case "BF16", "F16" -> 2;
            default -> 0;
        };
    }

    /** Where one tensor's data lies in its file. */
    private record Slot(String name, TensorInfo info, long start) {
    }

    /** The header's tensors with absolute data positions, every entry checked. */
    private static java.util.List<Slot> slots(FileChannel ch, Path file) throws IOException {
        JsonObject header = readHeader(ch, file);
        long dataStart = ch.position();
        java.util.List<Slot> out = new java.util.ArrayList<>();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            long[] shape;
            String dtype;
            long begin;
            long end;
            try {
                JsonObject meta = e.getValue().getAsJsonObject();
                dtype = meta.get("dtype").getAsString();
                var shapeJson = meta.getAsJsonArray("shape");
                shape = new long[shapeJson.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shapeJson.get(i).getAsLong();
                }
                begin = meta.getAsJsonArray("data_offsets").get(0).getAsLong();
                end = meta.getAsJsonArray("data_offsets").get(1).getAsLong();
            } catch (RuntimeException ex) {
                throw new IOException(file + ": malformed safetensors header at tensor " + e.getKey() + " ("
                        + ex.getMessage() + ")", ex);
            }
            if (width(dtype) == 0) {
                throw new IOException(file + ": tensor " + e.getKey() + " has unsupported dtype " + dtype
                        + " (mr1 reads F32, BF16, F16)");
            }
            TensorInfo info = new TensorInfo(dtype, shape);
            if (begin < 0 || end - begin != info.bytes()) {
                throw new IOException(file + ": tensor " + e.getKey() + " has " + (end - begin)
                        + " bytes for shape " + java.util.Arrays.toString(shape) + " of " + dtype);
            }
            if (dataStart + end > ch.size()) {
                throw new IOException(file + ": truncated: tensor " + e.getKey() + " ends at byte "
                        + (dataStart + end) + ", the file has " + ch.size());
            }
            out.add(new Slot(e.getKey(), info, dataStart + begin));
        }
        return out;
    }

    /**
     * A tensor as a file's header describes it, without its data.
     *
     * @param dtype the safetensors dtype (F32, BF16, F16, ...)
     * @param shape the shape
     */
    public record TensorInfo(String dtype, long[] shape) {

        /** Checks the dtype: mr1 reads and writes F32, BF16 and F16. */
        public TensorInfo {
            if (width(dtype) == 0) {
                throw new IllegalArgumentException("unsupported safetensors dtype " + dtype + "; valid: F32, BF16, F16");
            }
        }

        /** @return bytes of its data */
        public long bytes() {
            return elements() * width(dtype);
        }

        /** @return the number of elements */
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /**
     * Reads the 8-byte length and the JSON header at the start of a file, leaving the channel
     * at the first byte of tensor data.
     */
    private static JsonObject readHeader(FileChannel ch, Path file) throws IOException {
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, file);
        long headerLen = lenBuf.flip().getLong();
        if (headerLen <= 0 || headerLen > 100_000_000 || headerLen > ch.size() - 8) {
            throw new IOException(file + ": not a safetensors file (header length " + headerLen + ")");
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
        readFully(ch, headerBuf, file);
        try {
            return JsonParser.parseString(new String(headerBuf.array(), StandardCharsets.UTF_8).trim()).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IOException(file + ": malformed safetensors header (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Reads only a file's header (no tensor data), checking that the file is long enough for it.
     *
     * @param file the .safetensors file
     * @return name to dtype and shape, in file order
     * @throws IOException if the file is missing, malformed or truncated (the message names it)
     */
    public static Map<String, TensorInfo> describe(Path file) throws IOException {
        return header(file).tensors();
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, Path file) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new IOException(file + ": truncated safetensors file");
            }
        }
    }

    /**
     * IEEE 754 half precision to float (Java 17 has no Float.float16ToFloat).
     *
     * @param half the bits
     * @return the value
     */
    public static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float value = mant * 0x1p-24f; // subnormal (or zero)
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** Float to bfloat16 bits with round-to-nearest-even (as torch's {@code .to(torch.bfloat16)}); NaN stays NaN. */
    static short floatToBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** Float to IEEE 754 half bits, round-to-nearest-even, overflow to infinity, subnormals kept. */
    static short floatToHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            int m = mant | 0x800000; // the implicit bit
            int shift = 14 - e;
            int half = m >>> shift;
            int rest = m & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rest > mid || (rest == mid && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++; // may carry into the exponent, which is right (up to infinity)
        }
        return (short) (sign | half);
    }
}
