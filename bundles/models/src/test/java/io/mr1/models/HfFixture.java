package io.mr1.models;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mr1.tensor.DoubleTensor;
import io.mr1.tensor.Parameters;
import io.mr1.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shared Hugging Face parity fixtures (../shared/fixtures/qwen2vl-hf): what transformers
 * computes for a tiny random Qwen2-VL checkpoint, and a reader for its .npy arrays.
 */
public final class HfFixture {

    /** The fixture folder, a sibling of the worktree. */
    public static final Path DIR = Path.of("../../../shared/fixtures/qwen2vl-hf");
    /** The tiny checkpoint in the hub layout. */
    public static final Path CHECKPOINT = DIR.resolve("qwen2vl-tiny-pub");

    private HfFixture() {
    }

    public static JsonObject json(String name) throws IOException {
        return JsonParser.parseString(Files.readString(DIR.resolve(name), StandardCharsets.UTF_8)).getAsJsonObject();
    }

    /** A float32 little-endian C-order .npy array. */
    public record Npy(long[] shape, float[] values) {
    }

    public static Npy npy(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[6];
        buf.get(magic);
        if (magic[0] != (byte) 0x93 || !new String(magic, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IOException(file + ": not a .npy file");
        }
        int major = buf.get();
        buf.get();
        int headerLen = major == 1 ? buf.getShort() & 0xffff : buf.getInt();
        byte[] header = new byte[headerLen];
        buf.get(header);
        String h = new String(header, StandardCharsets.US_ASCII);
        if (!h.contains("'descr': '<f4'") || h.contains("'fortran_order': True")) {
            throw new IOException(file + ": need little-endian float32 in C order, header " + h);
        }
        Matcher m = Pattern.compile("'shape': \\(([^)]*)\\)").matcher(h);
        if (!m.find()) {
            throw new IOException(file + ": no shape in header " + h);
        }
        String[] dims = m.group(1).split(",");
        long[] shape = java.util.Arrays.stream(dims).map(String::trim).filter(s -> !s.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        long n = java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] values = new float[(int) n];
        buf.asFloatBuffer().get(values);
        return new Npy(shape, values);
    }

    public static long[] longs(JsonElement e) {
        JsonArray a = e.getAsJsonArray();
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    public static double[] doubles(JsonElement e) {
        JsonArray a = e.getAsJsonArray();
        int rows = a.size();
        if (rows > 0 && a.get(0).isJsonArray()) {
            int cols = a.get(0).getAsJsonArray().size();
            double[] out = new double[rows * cols];
            for (int r = 0; r < rows; r++) {
                JsonArray row = a.get(r).getAsJsonArray();
                for (int c = 0; c < cols; c++) {
                    out[r * cols + c] = row.get(c).getAsDouble();
                }
            }
            return out;
        }
        double[] out = new double[rows];
        for (int i = 0; i < rows; i++) {
            out[i] = a.get(i).getAsDouble();
        }
        return out;
    }

    /** The checkpoint's weights as double-precision tensors. */
    static Parameters weights(Qwen2VlModel model) throws IOException {
        Map<String, SafeTensors.Entry> read = SafeTensors.read(CHECKPOINT.resolve("model.safetensors"));
        Checkpoints.validate(CHECKPOINT.resolve("model.safetensors"), model, read);
        Map<String, Tensor> values = new HashMap<>();
        read.forEach((name, e) -> values.put(name, DoubleTensor.FACTORY.constant(e.data(), e.shape())));
        return name -> {
            Tensor t = values.get(name);
            if (t == null) {
                throw new IllegalArgumentException("no parameter " + name);
            }
            return t;
        };
    }

    public static double maxAbsDiff(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    /** @return n ones (a key mask without padding) */
    public static int[] ones(int n) {
        int[] m = new int[n];
        java.util.Arrays.fill(m, 1);
        return m;
    }

    /** @return the index of the largest value (greedy decoding) */
    public static long argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
