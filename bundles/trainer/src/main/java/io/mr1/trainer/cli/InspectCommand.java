package io.mr1.trainer.cli;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.mr1.api.cli.CliCommand;
import io.mr1.core.cli.BaseCommand;
import io.mr1.core.cli.CommandLine;
import io.mr1.core.cli.UsageException;
import io.mr1.core.io.AtomicFiles;
import io.mr1.models.Checkpoints;
import io.mr1.models.ImageProcessor;
import io.mr1.models.ImageProcessorConfig;
import io.mr1.models.ModelConfig;
import io.mr1.models.MropePositions;
import io.mr1.models.PatchedImage;
import io.mr1.models.Qwen2VlModel;
import io.mr1.models.SafeTensors;
import io.mr1.tensor.DoubleTensor;
import io.mr1.tensor.Parameters;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/**
 * {@code mr1 inspect image|forward}: what mr1's Qwen2-VL computes for a model folder, for labs
 * checking the port against their own reference on their own checkpoints. {@code image} prints
 * the processed image's size, grid, token count, patch-matrix shape and sums; {@code forward}
 * runs the model in double precision (the engine-free reference path: exact but slow, 8 bytes per
 * parameter of heap) on given ids and patches and writes the logits as float32.
 */
@Component(service = CliCommand.class, property = CliCommand.NAME_PROPERTY + "=inspect")
public final class InspectCommand extends BaseCommand {

    @Override
    public String name() {
        return "inspect";
    }

    @Override
    public String summary() {
        return "what mr1's Qwen2-VL computes: an image's patches, or a forward pass's logits";
    }

    @Override
    public String usage() {
        return """
                Usage: mr1 inspect image --model DIR --image FILE [--max-pixels N] [--min-pixels N] [--json]
                       mr1 inspect forward --model DIR --input FILE.json [--out FILE.json]

                image    processes FILE with the folder's image processor (preprocessor_config.json,
                         or Qwen2-VL's defaults) and prints {"resized": [h, w], "grid_thw": [t, h, w],
                         "image_tokens": n, "shape": [rows, cols], "sum": s, "abs_sum": a} for the
                         patch matrix the model receives (sums in float64 over the float32 values).
                forward  reads {"input_ids": [...], "pixel_values": [[...], ...], "image_grid_thw":
                         [t, h, w]} (pixel values already patched, rows x 1176; both optional for a
                         text-only prompt) and writes {"logits": [[...], ...]}, one float32 row per
                         input position, to --out (atomically) or standard output. It runs in double
                         precision without a backend: exact, slow, 8 bytes of heap per parameter.
                """;
    }

    @Override
    protected Set<String> flags() {
        return Set.of("--json");
    }

    @Override
    protected Set<String> valuedOptions() {
        return Set.of("--model", "--image", "--max-pixels", "--min-pixels", "--input", "--out");
    }

    @Override
    protected int run(CommandLine line, PrintStream out, PrintStream err) throws Exception {
        if (line.positional().size() != 1) {
            throw new UsageException("say what to inspect: image or forward");
        }
        Path dir = Path.of(line.require("--model"));
        try {
            ModelConfig config = ModelConfig.read(dir.resolve(Checkpoints.CONFIG));
            return switch (line.positional().get(0)) {
                case "image" -> image(line, dir, config, out);
                case "forward" -> forward(line, dir, config, out);
                default -> throw new UsageException("unknown subject '" + line.positional().get(0)
                        + "' (image or forward)");
            };
        } catch (IOException | IllegalArgumentException e) {
            err.println("mr1 inspect: " + e.getMessage());
            return 1;
        }
    }

    private static int image(CommandLine line, Path dir, ModelConfig config, PrintStream out) throws Exception {
        Path file = Path.of(line.require("--image"));
        if (config.visionConfig() == null) {
            throw new IllegalArgumentException(dir.resolve(Checkpoints.CONFIG) + " has no vision_config");
        }
        ImageProcessorConfig base = ImageProcessorConfig.read(dir, config.visionConfig());
        int min = (int) line.longValue("--min-pixels", base.minPixels());
        int max = (int) line.longValue("--max-pixels", base.maxPixels());
        if (min < 1 || max < min) {
            throw new UsageException("need 1 <= --min-pixels <= --max-pixels, got " + min + " and " + max);
        }
        ImageProcessorConfig settings = new ImageProcessorConfig(min, max, base.patchSize(), base.temporalPatchSize(),
                base.mergeSize(), base.mean(), base.std());
        PatchedImage image = new ImageProcessor(settings).read(file);
        double sum = 0;
        double abs = 0;
        for (float v : image.values()) {
            sum += v;
            abs += Math.abs(v);
        }
        JsonObject o = new JsonObject();
        o.add("resized", ints(image.resizedHeight(), image.resizedWidth()));
        o.add("grid_thw", ints(image.gridThw()));
        o.addProperty("image_tokens", image.tokens(settings.mergeSize()));
        o.add("shape", ints(image.rows(), image.values().length / image.rows()));
        o.addProperty("sum", sum);
        o.addProperty("abs_sum", abs);
        if (line.has("--json")) {
            out.println(new Gson().toJson(o));
        } else {
            out.printf("%s: resized to %d x %d (h x w), grid %s, %d image tokens, patches %d x %d, sum %.6f,"
                    + " abs sum %.6f%n", file, image.resizedHeight(), image.resizedWidth(), o.get("grid_thw"),
                    image.tokens(settings.mergeSize()), image.rows(), image.values().length / image.rows(), sum, abs);
        }
        return 0;
    }

    private static JsonArray ints(int... values) {
        JsonArray a = new JsonArray();
        for (int v : values) {
            a.add(v);
        }
        return a;
    }

    private static int forward(CommandLine line, Path dir, ModelConfig config, PrintStream out) throws Exception {
        Path input = Path.of(line.require("--input"));
        JsonObject in;
        try {
            in = JsonParser.parseString(Files.readString(input, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IOException(input + ": not a JSON object: " + e.getMessage(), e);
        }
        long[] ids = longs(input, in, "input_ids");
        if (ids.length == 0) {
            throw new IOException(input + ": input_ids is empty");
        }
        for (long id : ids) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IOException(input + ": input_ids has " + id + ", beyond the model's " + config.vocabSize()
                        + " tokens");
            }
        }
        Qwen2VlModel model = new Qwen2VlModel(config);
        Map<String, SafeTensors.Entry> weights = Checkpoints.readWeights(dir);
        Path weightsFile = Files.isRegularFile(dir.resolve(Checkpoints.INDEX)) ? dir.resolve(Checkpoints.INDEX)
                : dir.resolve(Checkpoints.WEIGHTS);
        Checkpoints.validate(weightsFile, model, weights);
        TensorFactory f = DoubleTensor.FACTORY;
        Map<String, Tensor> values = new HashMap<>();
        for (String name : model.parameters().keySet()) {
            SafeTensors.Entry e = weights.remove(name);
            values.put(name, f.constant(e.data(), e.shape()));
        }
        weights.clear();
        Parameters p = values::get;
        List<int[]> grids = List.of();
        Tensor features = null;
        if (in.has("pixel_values") && !in.get("pixel_values").isJsonNull()) {
            if (config.visionConfig() == null) {
                throw new IOException(input + ": pixel_values given but the model has no vision encoder");
            }
            long[] g = longs(input, in, "image_grid_thw");
            if (g.length != 3) {
                throw new IOException(input + ": image_grid_thw must be [t, h, w], got " + in.get("image_grid_thw"));
            }
            int[] grid = {(int) g[0], (int) g[1], (int) g[2]};
            ModelConfig.VisionConfig v = config.visionConfig();
            int cols = v.inChannels() * v.temporalPatchSize() * v.patchSize() * v.patchSize();
            double[] pixels = matrix(input, in.get("pixel_values"), grid[0] * grid[1] * grid[2], cols);
            grids = List.<int[]>of(grid);
            features = model.encodeImages(p, f, f.constant(pixels, grid[0] * grid[1] * grid[2], cols), grids);
        }
        MropePositions positions;
        try {
            positions = MropePositions.of(ids, config.imageTokenId(),
                    config.visionConfig() == null ? 1 : config.visionConfig().spatialMergeSize(), grids);
        } catch (IllegalArgumentException e) {
            throw new IOException(input + ": " + e.getMessage(), e);
        }
        int[] mask = new int[ids.length];
        java.util.Arrays.fill(mask, 1);
        double[] logits = model.forward(p, f, new long[][] {ids}, new long[][][] {positions.ids()}, new int[][] {mask},
                features, null).toDoubleArray();
        int vocab = config.vocabSize();
        StringBuilder sb = new StringBuilder("{\"logits\": [");
        for (int t = 0; t < ids.length; t++) {
            sb.append(t == 0 ? "[" : ",\n[");
            for (int j = 0; j < vocab; j++) {
                if (j > 0) {
                    sb.append(',');
                }
                sb.append(Float.toString((float) logits[t * vocab + j]));
            }
            sb.append(']');
        }
        sb.append("]}\n");
        if (line.value("--out") != null) {
            AtomicFiles.writeString(Path.of(line.value("--out")), sb.toString());
        } else {
            out.print(sb);
        }
        return 0;
    }

    private static long[] longs(Path file, JsonObject o, String key) throws IOException {
        if (!o.has(key) || !o.get(key).isJsonArray()) {
            throw new IOException(file + ": key " + key + " must be a list of integers");
        }
        JsonArray a = o.getAsJsonArray(key);
        long[] out = new long[a.size()];
        try {
            for (int i = 0; i < out.length; i++) {
                out[i] = a.get(i).getAsLong();
            }
        } catch (NumberFormatException | IllegalStateException | UnsupportedOperationException e) {
            throw new IOException(file + ": key " + key + " must be a list of integers", e);
        }
        return out;
    }

    private static double[] matrix(Path file, JsonElement e, int rows, int cols) throws IOException {
        if (!e.isJsonArray() || e.getAsJsonArray().size() != rows) {
            throw new IOException(file + ": pixel_values must have " + rows + " rows (t x h x w of image_grid_thw), got "
                    + (e.isJsonArray() ? e.getAsJsonArray().size() : e));
        }
        double[] out = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            JsonElement row = e.getAsJsonArray().get(r);
            if (!row.isJsonArray() || row.getAsJsonArray().size() != cols) {
                throw new IOException(file + ": pixel_values row " + r + " must have " + cols + " values");
            }
            try {
                for (int c = 0; c < cols; c++) {
                    out[r * cols + c] = row.getAsJsonArray().get(c).getAsDouble();
                }
            } catch (NumberFormatException | IllegalStateException | UnsupportedOperationException ex) {
                throw new IOException(file + ": pixel_values row " + r + " holds a non-number", ex);
            }
        }
        return out;
    }
}
