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

/**
 * Reads and writes the safetensors format (an 8-byte little-endian header length, a JSON
 * header of {name: {dtype, shape, data_offsets}}, then raw little-endian data) for F32
 * tensors, in plain Java so checkpoints are the same bytes whichever engine wrote them.
 * BF16 and F16 tensors are widened to float on reading (real Qwen2-VL checkpoints are BF16).
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
     * Writes tensors, sorted by name (as the reference implementation does), atomically.
     *
     * @param file the .safetensors file
     * @param tensors name to tensor
     * @throws IOException if writing fails
     */
    public static void write(Path file, Map<String, Entry> tensors) throws IOException {
        Map<String, Entry> sorted = new TreeMap<>(tensors);
        JsonObject header = new JsonObject();
        long offset = 0;
        for (Map.Entry<String, Entry> e : sorted.entrySet()) {
            JsonObject meta = new JsonObject();
            meta.addProperty("dtype", "F32");
            var shape = new com.google.gson.JsonArray();
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            meta.add("shape", shape);
            var offsets = new com.google.gson.JsonArray();
            offsets.add(offset);
            offset += 4L * e.getValue().data().length;
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
            for (Entry entry : sorted.values()) {
                ByteBuffer buf = ByteBuffer.allocate(4 * entry.data().length).order(ByteOrder.LITTLE_ENDIAN);
                buf.asFloatBuffer().put(entry.data());
                out.write(buf.array());
            }
        });
    }

    /**
     * Reads every tensor of a file.
     *
     * @param file the .safetensors file
     * @return name to tensor, in file order
     * @throws IOException if the file is missing or malformed (the message names it)
     */
    public static Map<String, Entry> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            JsonObject header = readHeader(ch, file);
            long dataStart = ch.position();
            Map<String, Entry> out = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonObject meta = e.getValue().getAsJsonObject();
                String dtype = meta.get("dtype").getAsString();
                var shapeJson = meta.getAsJsonArray("shape");
                long[] shape = new long[shapeJson.size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shapeJson.get(i).getAsLong();
                    count *= shape[i];
                }
                long begin = meta.getAsJsonArray("data_offsets").get(0).getAsLong();
                long end = meta.getAsJsonArray("data_offsets").get(1).getAsLong();
                int width = switch (dtype) {
                    case "F32" -> 4;
                    case "BF16", "F16" -> 2;
                    default -> throw new IOException(file + ": tensor " + e.getKey() + " has unsupported dtype " + dtype);
                };
                if (end - begin != count * width) {
                    throw new IOException(file + ": tensor " + e.getKey() + " has " + (end - begin)
                            + " bytes for shape " + java.util.Arrays.toString(shape) + " of " + dtype);
                }
                if (dataStart + end > ch.size()) {
                    throw new IOException(file + ": truncated: tensor " + e.getKey() + " ends at byte "
                            + (dataStart + end) + ", the file has " + ch.size());
                }
                ByteBuffer data = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
                ch.position(dataStart + begin);
                readFully(ch, data, file);
                data.flip();
                float[] values = new float[(int) count];
                for (int i = 0; i < values.length; i++) {
                    values[i] = switch (dtype) {
                        case "F32" -> data.getFloat();
                        case "BF16" -> Float.intBitsToFloat((data.getShort() & 0xffff) << 16);
                        default -> halfToFloat(data.getShort());
                    };
                }
                out.put(e.getKey(), new Entry(shape, values));
            }
            return out;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("missing weights file " + file, e);
        } catch (RuntimeException e) {
            throw new IOException(file + ": malformed safetensors header (" + e.getMessage() + ")", e);
        }
    }

    /**
     * A tensor as a file's header describes it, without its data.
     *
     * @param dtype the safetensors dtype (F32, BF16, F16, ...)
     * @param shape the shape
     */
    public record TensorInfo(String dtype, long[] shape) {

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
        return JsonParser.parseString(new String(headerBuf.array(), StandardCharsets.UTF_8).trim()).getAsJsonObject();
    }

    /**
     * Reads only a file's header (no tensor data), checking that the file is long enough for it.
     *
     * @param file the .safetensors file
     * @return name to dtype and shape, in file order
     * @throws IOException if the file is missing, malformed or truncated (the message names it)
     */
    public static Map<String, TensorInfo> describe(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            JsonObject header = readHeader(ch, file);
            long dataStart = ch.position();
            Map<String, TensorInfo> out = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonObject meta = e.getValue().getAsJsonObject();
                var shapeJson = meta.getAsJsonArray("shape");
                long[] shape = new long[shapeJson.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shapeJson.get(i).getAsLong();
                }
                long end = meta.getAsJsonArray("data_offsets").get(1).getAsLong();
                if (dataStart + end > ch.size()) {
                    throw new IOException(file + ": truncated: tensor " + e.getKey() + " ends at byte "
                            + (dataStart + end) + ", the file has " + ch.size());
                }
                out.put(e.getKey(), new TensorInfo(meta.get("dtype").getAsString(), shape));
            }
            return out;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("missing weights file " + file, e);
        } catch (RuntimeException e) {
            throw new IOException(file + ": malformed safetensors header (" + e.getMessage() + ")", e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, Path file) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new IOException(file + ": truncated safetensors file");
            }
        }
    }

    /** IEEE 754 half precision to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short half) {
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
}
