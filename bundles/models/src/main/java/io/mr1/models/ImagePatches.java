package io.mr1.models;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Image preprocessing for the vision encoder, as Qwen2-VL's processor does it at a fixed
 * size: resize to image_size x image_size (bicubic), scale to [0, 1], normalise with the
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
        BufferedImage resized = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = resized.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.drawImage(image, 0, 0, size, size, null);
        } finally {
            g.dispose();
        }
        int p = vision.patchSize();
        int[][] order = order(vision);
        float[][] out = new float[order.length][3 * p * p];
        for (int k = 0; k < order.length; k++) {
            int y0 = order[k][0] * p;
            int x0 = order[k][1] * p;
            for (int y = 0; y < p; y++) {
                for (int x = 0; x < p; x++) {
                    int rgb = resized.getRGB(x0 + x, y0 + y);
                    int[] channels = {(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff};
                    for (int c = 0; c < 3; c++) {
                        out[k][(c * p + y) * p + x] = (float) ((channels[c] / 255.0 - MEAN[c]) / STD[c]);
                    }
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
