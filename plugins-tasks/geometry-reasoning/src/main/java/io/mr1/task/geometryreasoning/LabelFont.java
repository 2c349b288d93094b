package io.mr1.task.geometryreasoning;

import java.awt.Font;
import java.awt.FontFormatException;
import java.awt.Graphics2D;
import java.awt.Shape;
import java.awt.font.FontRenderContext;
import java.awt.geom.AffineTransform;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.io.InputStream;

/**
 * Draws labels with DejaVu Sans loaded from this bundle ({@code fonts/DejaVuSans.ttf},
 * licence beside it), never from the fonts installed on the machine, so a diagram is the
 * same on a workstation and on a GPU server without fonts. Text is filled as glyph
 * outlines, which the same anti-aliased path renderer draws as every other shape.
 */
final class LabelFont {

    private static final String RESOURCE = "/fonts/DejaVuSans.ttf";
    private static final FontRenderContext CONTEXT = new FontRenderContext(null, true, true);
    private static Font base;

    private LabelFont() {
    }

    /**
     * The bundled font at size 1.
     *
     * @return the font
     * @throws IllegalStateException when the resource is missing or unreadable
     */
    static synchronized Font base() {
        if (base == null) {
            try (InputStream in = LabelFont.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("bundled font " + RESOURCE + " is missing from the tasks bundle");
                }
                base = Font.createFont(Font.TRUETYPE_FONT, in);
            } catch (IOException | FontFormatException e) {
                throw new IllegalStateException("cannot load the bundled font " + RESOURCE + ": " + e, e);
            }
        }
        return base;
    }

    /**
     * Fills a text centred (by its ink) on a point, in the graphics' current paint.
     *
     * @param g the graphics
     * @param text the text
     * @param size font size in pixels
     * @param cx centre x
     * @param cy centre y
     */
    static void drawCentred(Graphics2D g, String text, float size, double cx, double cy) {
        Shape outline = base().deriveFont(size).createGlyphVector(CONTEXT, text).getOutline();
        Rectangle2D ink = outline.getBounds2D();
        g.fill(AffineTransform.getTranslateInstance(cx - ink.getCenterX(), cy - ink.getCenterY())
                .createTransformedShape(outline));
    }
}
