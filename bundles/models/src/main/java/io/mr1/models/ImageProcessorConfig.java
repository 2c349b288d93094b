package io.mr1.models;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Qwen2-VL's image processor settings ({@code preprocessor_config.json}): the pixel budget
 * {@code smart_resize} keeps an image within, patch and merge sizes, and the normalisation.
 *
 * @param minPixels fewest pixels after resizing ({@code min_pixels} or {@code size.shortest_edge})
 * @param maxPixels most pixels after resizing ({@code max_pixels} or {@code size.longest_edge})
 * @param patchSize patch side in pixels
 * @param temporalPatchSize frames per patch
 * @param mergeSize spatial merge side
 * @param mean per-channel mean
 * @param std per-channel standard deviation
 */
public record ImageProcessorConfig(int minPixels, int maxPixels, int patchSize, int temporalPatchSize, int mergeSize,
                                   double[] mean, double[] std) {

    /** The file name in a model folder. */
    public static final String FILE = "preprocessor_config.json";
    /** OpenAI CLIP's mean, Qwen2-VL's default. */
    public static final double[] CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    /** OpenAI CLIP's standard deviation, Qwen2-VL's default. */
    public static final double[] CLIP_STD = {0.26862954, 0.26130258, 0.27577711};
    /** Qwen2VLImageProcessor's default pixel bounds: 56 x 56 and 28 x 28 x 1280. */
    public static final int DEFAULT_MIN_PIXELS = 56 * 56;
    /** See {@link #DEFAULT_MIN_PIXELS}. */
    public static final int DEFAULT_MAX_PIXELS = 28 * 28 * 1280;

    /** Validates. */
    public ImageProcessorConfig {
        if (minPixels <= 0 || maxPixels < minPixels) {
            throw new IllegalArgumentException("image processor: need 0 < min_pixels <= max_pixels, got "
                    + minPixels + " and " + maxPixels);
        }
        if (patchSize <= 0 || temporalPatchSize <= 0 || mergeSize <= 0 || mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("image processor: bad patch/merge sizes or mean/std");
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** @return resized sides are multiples of this (28) */
    public int factor() {
        return patchSize * mergeSize;
    }

    /**
     * Qwen2-VL's defaults for a vision tower, with given pixel bounds.
     *
     * @param vision the vision config (patch and merge sizes)
     * @param minPixels fewest pixels
     * @param maxPixels most pixels
     * @return the settings
     */
    public static ImageProcessorConfig of(ModelConfig.VisionConfig vision, int minPixels, int maxPixels) {
        return new ImageProcessorConfig(minPixels, maxPixels, vision.patchSize(), vision.temporalPatchSize(),
                vision.spatialMergeSize(), CLIP_MEAN, CLIP_STD);
    }

    /**
     * The settings of a model folder: its {@code preprocessor_config.json}, or Qwen2-VL's
     * defaults when it has none.
     *
     * @param folder the model folder
     * @param vision the model's vision config
     * @return the settings
     * @throws IOException if the file exists but is not valid (naming file and key)
     */
    public static ImageProcessorConfig read(Path folder, ModelConfig.VisionConfig vision) throws IOException {
        Path file = folder.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return of(vision, DEFAULT_MIN_PIXELS, DEFAULT_MAX_PIXELS);
        }
        try {
            JsonObject o = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
            JsonObject size = o.has("size") && o.get("size").isJsonObject() ? o.getAsJsonObject("size") : new JsonObject();
            int min = o.has("min_pixels") ? o.get("min_pixels").getAsInt()
                    : size.has("shortest_edge") ? size.get("shortest_edge").getAsInt() : DEFAULT_MIN_PIXELS;
            int max = o.has("max_pixels") ? o.get("max_pixels").getAsInt()
                    : size.has("longest_edge") ? size.get("longest_edge").getAsInt() : DEFAULT_MAX_PIXELS;
            return new ImageProcessorConfig(min, max,
                    o.has("patch_size") ? o.get("patch_size").getAsInt() : vision.patchSize(),
                    o.has("temporal_patch_size") ? o.get("temporal_patch_size").getAsInt() : vision.temporalPatchSize(),
                    o.has("merge_size") ? o.get("merge_size").getAsInt() : vision.spatialMergeSize(),
                    triple(o, "image_mean", CLIP_MEAN), triple(o, "image_std", CLIP_STD));
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException
                 | IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static double[] triple(JsonObject o, String key, double[] fallback) {
        if (!o.has(key)) {
            return fallback;
        }
        JsonArray a = o.getAsJsonArray(key);
        if (a.size() != 3) {
            throw new IllegalArgumentException("key " + key + " must list 3 values, got " + a);
        }
        double[] out = new double[3];
        int i = 0;
        for (JsonElement e : a) {
            out[i++] = e.getAsDouble();
        }
        return out;
    }

    /**
     * Writes {@code preprocessor_config.json} with the keys transformers reads.
     *
     * @param file the file
     * @throws IOException if writing fails
     */
    public void write(Path file) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("image_processor_type", "Qwen2VLImageProcessor");
        o.addProperty("processor_class", "Qwen2VLProcessor");
        o.addProperty("do_resize", true);
        o.addProperty("do_rescale", true);
        o.addProperty("rescale_factor", 1.0 / 255);
        o.addProperty("do_normalize", true);
        o.addProperty("do_convert_rgb", true);
        o.addProperty("resample", 3);
        o.addProperty("min_pixels", minPixels);
        o.addProperty("max_pixels", maxPixels);
        JsonObject size = new JsonObject();
        size.addProperty("shortest_edge", minPixels);
        size.addProperty("longest_edge", maxPixels);
        o.add("size", size);
        o.addProperty("patch_size", patchSize);
        o.addProperty("temporal_patch_size", temporalPatchSize);
        o.addProperty("merge_size", mergeSize);
        JsonArray m = new JsonArray();
        JsonArray s = new JsonArray();
        for (int i = 0; i < 3; i++) {
            m.add(mean[i]);
            s.add(std[i]);
        }
        o.add("image_mean", m);
        o.add("image_std", s);
        Files.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(o) + "\n", StandardCharsets.UTF_8);
    }
}
