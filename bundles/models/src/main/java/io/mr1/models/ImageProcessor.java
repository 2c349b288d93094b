package io.mr1.models;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Qwen2-VL's image processor, computing what transformers' {@code Qwen2VLImageProcessor}
 * computes: {@code smart_resize} of the size, a bicubic resize of the 8-bit RGB image done the
 * way Pillow does it, rescale to [0, 1], normalise per channel, and cut into patch rows in
 * 2x2 merge-block order (the still image repeated over the temporal patch).
 *
 * <p>The resize is Pillow's separable convolution: for each output pixel a window of input
 * pixels weighted by the bicubic kernel (a = -0.5), the kernel stretched by the scale when
 * downscaling (so it averages instead of skipping pixels), weights normalised to sum 1, then
 * turned into 22-bit fixed point; the horizontal pass runs first and rounds and clips to 8
 * bits, then the vertical pass does the same. Everything after that is float32 arithmetic in
 * the reference's order, so the result is bit-identical to the reference.
 */
public final class ImageProcessor {

    /** Fixed-point fraction bits of Pillow's 8-bit resampling (32 - 8 - 2). */
    private static final int PRECISION_BITS = 22;
    /** The bicubic kernel's half width in input pixels at scale 1. */
    private static final double BICUBIC_SUPPORT = 2.0;
    private static final double BICUBIC_A = -0.5;
    private static final int MAX_ASPECT_RATIO = 200;

    private final ImageProcessorConfig config;

    /**
     * A processor for one setting.
     *
     * @param config the settings
     */
    public ImageProcessor(ImageProcessorConfig config) {
        this.config = config;
    }

    /** @return the settings */
    public ImageProcessorConfig config() {
        return config;
    }

    /**
     * Reads and processes an image file.
     *
     * @param file PNG or JPEG
     * @return the patches and grid
     * @throws IOException naming the file if it is missing, unreadable or too small/elongated
     */
    public PatchedImage read(Path file) throws IOException {
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
        try {
            return process(image);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Processes an image (alpha, if any, is dropped as PIL's {@code convert("RGB")} does).
     *
     * @param image the image
     * @return the patches and grid
     */
    public PatchedImage process(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] size = smartResize(h, w, config.factor(), config.minPixels(), config.maxPixels());
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        int[][] rgb = new int[3][w * h];
        for (int i = 0; i < argb.length; i++) {
            rgb[0][i] = (argb[i] >> 16) & 0xff;
            rgb[1][i] = (argb[i] >> 8) & 0xff;
            rgb[2][i] = argb[i] & 0xff;
        }
        int outH = size[0];
        int outW = size[1];
        float[][] normalised = new float[3][];
        for (int c = 0; c < 3; c++) {
            int[] resized = resizeBicubic(rgb[c], w, h, outW, outH);
            normalised[c] = normalise(resized, c);
        }
        return patchify(normalised, outH, outW);
    }

    /** float32(u8 * (1/255 in double)), then (x - mean) / std in float32, as numpy does it. */
    private float[] normalise(int[] u8, int channel) {
        double scale = 1.0 / 255;
        float mean = (float) config.mean()[channel];
        float std = (float) config.std()[channel];
        float[] out = new float[u8.length];
        for (int i = 0; i < u8.length; i++) {
            float x = (float) (u8[i] * scale);
            out[i] = (x - mean) / std;
        }
        return out;
    }

    /** Patch rows ordered (t, block row, block column, row in block, column in block), values (c, t, y, x). */
    private PatchedImage patchify(float[][] channels, int height, int width) {
        int p = config.patchSize();
        int m = config.mergeSize();
        int tp = config.temporalPatchSize();
        int gh = height / p;
        int gw = width / p;
        int rowWidth = 3 * tp * p * p;
        float[] out = new float[gh * gw * rowWidth];
        int row = 0;
        for (int bh = 0; bh < gh / m; bh++) {
            for (int bw = 0; bw < gw / m; bw++) {
                for (int dy = 0; dy < m; dy++) {
                    for (int dx = 0; dx < m; dx++) {
                        int y0 = (bh * m + dy) * p;
                        int x0 = (bw * m + dx) * p;
                        int k = row * rowWidth;
                        for (int c = 0; c < 3; c++) {
                            for (int t = 0; t < tp; t++) { // a still image: every frame the same
                                for (int y = 0; y < p; y++) {
                                    System.arraycopy(channels[c], (y0 + y) * width + x0, out, k, p);
                                    k += p;
                                }
                            }
                        }
                        row++;
                    }
                }
            }
        }
        return new PatchedImage(1, gh, gw, height, width, out);
    }

    /**
     * Qwen2-VL's {@code smart_resize}: both sides multiples of {@code factor}, the area within
     * [minPixels, maxPixels], the aspect ratio kept as nearly as possible. Rounds half to even,
     * as Python's {@code round} does (70 / 28 = 2.5 gives 56, not 84).
     *
     * @param height input height
     * @param width input width
     * @param factor patch size times merge size (28)
     * @param minPixels fewest pixels
     * @param maxPixels most pixels
     * @return {height, width}
     * @throws IllegalArgumentException if the aspect ratio exceeds 200 or a side is below the factor
     */
    public static int[] smartResize(int height, int width, int factor, int minPixels, int maxPixels) {
        if (height < factor || width < factor) {
            throw new IllegalArgumentException("image of " + width + "x" + height + " pixels is smaller than "
                    + factor + " pixels on a side");
        }
        if ((double) Math.max(height, width) / Math.min(height, width) > MAX_ASPECT_RATIO) {
            throw new IllegalArgumentException("image of " + width + "x" + height + " has an aspect ratio over "
                    + MAX_ASPECT_RATIO);
        }
        long hBar = (long) Math.rint((double) height / factor) * factor;
        long wBar = (long) Math.rint((double) width / factor) * factor;
        if (hBar * wBar > maxPixels) {
            double beta = Math.sqrt((double) height * width / maxPixels);
            hBar = Math.max(factor, (long) Math.floor(height / beta / factor) * factor);
            wBar = Math.max(factor, (long) Math.floor(width / beta / factor) * factor);
        } else if (hBar * wBar < minPixels) {
            double beta = Math.sqrt((double) minPixels / ((double) height * width));
            hBar = (long) Math.ceil(height * beta / factor) * factor;
            wBar = (long) Math.ceil(width * beta / factor) * factor;
        }
        return new int[] {(int) hBar, (int) wBar};
    }

    /** Pillow's bicubic kernel, a = -0.5. */
    private static double bicubic(double x) {
        double a = Math.abs(x);
        if (a < 1) {
            return ((BICUBIC_A + 2) * a - (BICUBIC_A + 3)) * a * a + 1;
        }
        if (a < 2) {
            return (((a - 5) * a + 8) * a - 4) * BICUBIC_A;
        }
        return 0;
    }

    /** One pass's weights: for output pixel i, inputs first[i] .. first[i] + count[i] - 1 with weights. */
    private record Weights(int[] first, int[] count, int[][] fixed) {
    }

    private static Weights weights(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = BICUBIC_SUPPORT * filterScale;
        double inverse = 1.0 / filterScale; // multiplied, not divided: the same bits as Pillow
        int[] first = new int[outSize];
        int[] count = new int[outSize];
        int[][] fixed = new int[outSize][];
        for (int i = 0; i < outSize; i++) {
            double centre = (i + 0.5) * scale;
            int lo = Math.max(0, (int) (centre - support + 0.5));
            int hi = Math.min(inSize, (int) (centre + support + 0.5));
            double[] w = new double[hi - lo];
            double sum = 0;
            for (int k = 0; k < w.length; k++) {
                w[k] = bicubic((k + lo - centre + 0.5) * inverse);
                sum += w[k];
            }
            fixed[i] = new int[w.length];
            for (int k = 0; k < w.length; k++) {
                double normalised = sum != 0 ? w[k] / sum : w[k];
                // Round half away from zero by truncating a shifted value, as Pillow's C casts do.
                fixed[i][k] = (int) (normalised < 0 ? -0.5 + normalised * (1 << PRECISION_BITS)
                        : 0.5 + normalised * (1 << PRECISION_BITS));
            }
            first[i] = lo;
            count[i] = w.length;
        }
        return new Weights(first, count, fixed);
    }

    private static int clip8(long accumulated) {
        long v = accumulated >> PRECISION_BITS;
        return (int) Math.max(0, Math.min(255, v));
    }

    /**
     * Resizes one 8-bit channel, horizontal pass first, each pass rounded and clipped to 8 bits.
     * A pass whose size does not change is skipped (Pillow skips it too; it would be the identity).
     */
    static int[] resizeBicubic(int[] in, int w, int h, int outW, int outH) {
        int[] horizontal = in;
        if (outW != w) {
            Weights wx = weights(w, outW);
            horizontal = new int[outW * h];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < outW; x++) {
                    long acc = 1L << (PRECISION_BITS - 1);
                    int[] k = wx.fixed()[x];
                    int base = y * w + wx.first()[x];
                    for (int j = 0; j < wx.count()[x]; j++) {
                        acc += (long) in[base + j] * k[j];
                    }
                    horizontal[y * outW + x] = clip8(acc);
                }
            }
        }
        if (outH == h) {
            return horizontal;
        }
        Weights wy = weights(h, outH);
        int[] out = new int[outW * outH];
        for (int y = 0; y < outH; y++) {
            int[] k = wy.fixed()[y];
            int first = wy.first()[y];
            for (int x = 0; x < outW; x++) {
                long acc = 1L << (PRECISION_BITS - 1);
                for (int j = 0; j < wy.count()[y]; j++) {
                    acc += (long) horizontal[(first + j) * outW + x] * k[j];
                }
                out[y * outW + x] = clip8(acc);
            }
        }
        return out;
    }
}
