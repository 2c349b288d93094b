package io.mr1.tasks.support;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/**
 * The one way both generators draw: an RGB image and a {@link Graphics2D} with
 * anti-aliasing on and every hint that could let Java2D choose by platform pinned, so
 * the pixels depend on the drawing calls only.
 */
public final class Drawing {

    private Drawing() {
    }

    /**
     * A new opaque RGB image.
     *
     * @param width width in pixels
     * @param height height in pixels
     * @return the image
     */
    public static BufferedImage image(int width, int height) {
        return new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    }

    /**
     * Graphics for an image with fixed quality hints. The caller disposes it.
     *
     * @param image the image
     * @return the graphics
     */
    public static Graphics2D graphics(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setRenderingHint(RenderingHints.KEY_COLOR_RENDERING, RenderingHints.VALUE_COLOR_RENDER_QUALITY);
        g.setRenderingHint(RenderingHints.KEY_DITHERING, RenderingHints.VALUE_DITHER_DISABLE);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
        return g;
    }

    /**
     * Mixes a colour towards white.
     *
     * @param c the colour
     * @param amount 0 (unchanged) to 1 (white)
     * @return the lighter colour
     */
    public static Color lighter(Color c, double amount) {
        return new Color(mix(c.getRed(), 255, amount), mix(c.getGreen(), 255, amount), mix(c.getBlue(), 255, amount));
    }

    /**
     * Mixes a colour towards black.
     *
     * @param c the colour
     * @param amount 0 (unchanged) to 1 (black)
     * @return the darker colour
     */
    public static Color darker(Color c, double amount) {
        return new Color(mix(c.getRed(), 0, amount), mix(c.getGreen(), 0, amount), mix(c.getBlue(), 0, amount));
    }

    private static int mix(int from, int to, double amount) {
        return (int) Math.round(from + (to - from) * amount);
    }
}
