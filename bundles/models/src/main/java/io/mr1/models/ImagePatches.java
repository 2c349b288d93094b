package io.mr1.models;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Image preprocessing for the vision encoder, as Qwen2-VL's processor does it at a fixed
 * size: resize to image_size x image_size (bilinear), scale to [0, 1], normalise with the
 * OpenAI-CLIP mean and std, cut into patch_size squares, and order the patches
 * window-major so each spatial-merge window's patches are consecutive.
 */
public final class ImagePatches {

    private static final double[] MEAN = {0.48145466, 0.4578275, 0.40821073};
    private static final double[] STD = {0.26862954, 0.26130258, 0.27577711};

    private ImagePatches() {
    }

    /**
     * Reads and preprocesses an image file.
     *
     * @param file PNG or JPEG
     * @param vision the vision config
     * @return [patches][3 * patch^2], channel-major inside a patch
     * @throws IOException naming the file if it is missing or not a readable image
     */
    public static float[][] read(Path file, ModelConfig.VisionConfig vision) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("image not found: " + file);
        }
        BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new IOException("unreadable image " + file + ": " + e.getMessage(), e);
        }
        if (image == null) {
            throw new IOException("not a PNG or JPEG image: " + file);
        }
        return patches(image, vision);
    }

    /**
     * Preprocesses an image.
     *
     * @param image the image
     * @param vision the vision config
     * @return [patches][3 * patch^2]
     */
    public static float[][] patches(BufferedImage image, ModelConfig.VisionConfig vision) {
        int size = vision.imageSize();
        float[][] rgb = resize(image, size);
        int p = vision.patchSize();
        int[][] order = order(vision);
        float[][] out = new float[order.length][3 * p * p];
        for (int k = 0; k < order.length; k++) {
            int y0 = order[k][0] * p;
            int x0 = order[k][1] * p;
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < p; y++) {
                    for (int x = 0; x < p; x++) {
                        double v = rgb[c][(y0 + y) * size + x0 + x] / 255.0;
                        out[k][(c * p + y) * p + x] = (float) ((v - MEAN[c]) / STD[c]);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Bilinear resize to size x size in plain Java (pixel centres aligned, as PIL does without
     * antialiasing). Java2D's scaled drawImage may go through native imaging code whose
     * results are not guaranteed identical from run to run; training must see the same pixels
     * every time, so the arithmetic is done here.
     */
    static float[][] resize(BufferedImage image, int size) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] src = image.getRGB(0, 0, w, h, null, 0, w);
        float[][] out = new float[3][size * size];
        double sx = (double) w / size;
        double sy = (double) h / size;
        for (int y = 0; y < size; y++) {
            double fy = Math.max(0, Math.min(h - 1, (y + 0.5) * sy - 0.5));
            int y1 = (int) fy;
            int y2 = Math.min(h - 1, y1 + 1);
            double ty = fy - y1;
            for (int x = 0; x < size; x++) {
                double fx = Math.max(0, Math.min(w - 1, (x + 0.5) * sx - 0.5));
                int x1 = (int) fx;
                int x2 = Math.min(w - 1, x1 + 1);
                double tx = fx - x1;
                int a = src[y1 * w + x1];
                int b = src[y1 * w + x2];
                int c = src[y2 * w + x1];
                int d = src[y2 * w + x2];
                for (int ch = 0; ch < 3; ch++) {
                    int shift = 16 - 8 * ch;
                    double top = ((a >> shift) & 0xff) * (1 - tx) + ((b >> shift) & 0xff) * tx;
                    double bottom = ((c >> shift) & 0xff) * (1 - tx) + ((d >> shift) & 0xff) * tx;
                    out[ch][y * size + x] = (float) (top * (1 - ty) + bottom * ty);
                }
            }
        }
        return out;
    }

    /**
     * (row, column) of each patch in window-major order: merge windows row by row, and
     * inside a window its patches row by row.
     *
     * @param vision the vision config
     * @return [patches][2]
     */
    public static int[][] order(ModelConfig.VisionConfig vision) {
        int side = vision.gridSide();
        int m = vision.spatialMergeSize();
        int[][] out = new int[side * side][];
        int k = 0;
        for (int wy = 0; wy < side / m; wy++) {
            for (int wx = 0; wx < side / m; wx++) {
                for (int dy = 0; dy < m; dy++) {
                    for (int dx = 0; dx < m; dx++) {
                        out[k++] = new int[] {wy * m + dy, wx * m + dx};
                    }
                }
            }
        }
        return out;
    }
}
