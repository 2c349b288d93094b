package io.mr1.task.visualcounting;

import io.mr1.tasks.support.Drawing;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.LinearGradientPaint;
import java.awt.Paint;
import java.awt.RadialGradientPaint;
import java.awt.Shape;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;

/**
 * Draws a scene with Java2D: a grey ground lit from the upper left, a soft shadow under
 * each object, then the objects back to front. Rubber is matte (flat faces, soft
 * shading); metal is shiny (strong gradients, a white highlight). No text is drawn.
 */
final class SceneRenderer {

    private static final Color SHADOW = new Color(0, 0, 0, 60);

    BufferedImage render(Scene scene) {
        BufferedImage image = Drawing.image(scene.width(), scene.height());
        Graphics2D g = Drawing.graphics(image);
        try {
            ground(g, scene.width(), scene.height());
            float line = Math.max(1f, Math.min(scene.width(), scene.height()) / 240f);
            g.setStroke(new BasicStroke(line, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            for (SceneObject o : scene.objects()) {
                Rectangle2D b = o.box();
                g.setColor(SHADOW);
                g.fill(new Ellipse2D.Double(b.getCenterX() - 0.42 * b.getWidth(), b.getMaxY() - 0.2 * b.getWidth(),
                        1.2 * b.getWidth(), 0.3 * b.getWidth()));
            }
            for (SceneObject o : scene.objects()) {
                switch (o.shape()) {
                    case CUBE -> cube(g, o);
                    case CYLINDER -> cylinder(g, o);
                    default -> sphere(g, o);
                }
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    private static void ground(Graphics2D g, int w, int h) {
        g.setPaint(new GradientPaint(0, 0, new Color(150, 150, 156), 0, h, new Color(208, 207, 203)));
        g.fillRect(0, 0, w, h);
        g.setPaint(new RadialGradientPaint(new Point2D.Double(0.35 * w, 0.6 * h), (float) (0.75 * Math.max(w, h)),
                new float[] {0f, 1f}, new Color[] {new Color(255, 255, 255, 45), new Color(255, 255, 255, 0)}));
        g.fillRect(0, 0, w, h);
    }

    private static void sphere(Graphics2D g, SceneObject o) {
        Rectangle2D b = o.box();
        Color c = o.colour().rgb();
        double r = b.getWidth() / 2;
        Point2D centre = new Point2D.Double(b.getCenterX(), b.getCenterY());
        Point2D focus = new Point2D.Double(centre.getX() - 0.35 * r, centre.getY() - 0.4 * r);
        Paint paint = o.material() == SceneObject.Material.METAL
                ? new RadialGradientPaint(centre, (float) r, focus, new float[] {0f, 0.15f, 0.6f, 1f},
                        new Color[] {Drawing.lighter(c, 0.9), Drawing.lighter(c, 0.35), c, Drawing.darker(c, 0.6)},
                        RadialGradientPaint.CycleMethod.NO_CYCLE)
                : new RadialGradientPaint(centre, (float) r, focus, new float[] {0f, 0.7f, 1f},
                        new Color[] {Drawing.lighter(c, 0.2), c, Drawing.darker(c, 0.3)},
                        RadialGradientPaint.CycleMethod.NO_CYCLE);
        Shape disc = new Ellipse2D.Double(b.getX(), b.getY(), b.getWidth(), b.getHeight());
        g.setPaint(paint);
        g.fill(disc);
        if (o.material() == SceneObject.Material.METAL) {
            g.setColor(new Color(255, 255, 255, 190));
            g.fill(new Ellipse2D.Double(focus.getX() - 0.17 * r, focus.getY() - 0.11 * r, 0.34 * r, 0.22 * r));
        }
        outline(g, c, disc);
    }

    private static void cube(Graphics2D g, SceneObject o) {
        Rectangle2D b = o.box();
        Color c = o.colour().rgb();
        boolean metal = o.material() == SceneObject.Material.METAL;
        // Box side a plus a receding depth o = 0.3a: the box is 1.3a square.
        double a = b.getWidth() / 1.3;
        double d = 0.3 * a;
        double x0 = b.getX();
        double y0 = b.getY();
        Shape front = new Rectangle2D.Double(x0, y0 + d, a, a);
        Shape top = polygon(x0, y0 + d, x0 + d, y0, x0 + d + a, y0, x0 + a, y0 + d);
        Shape right = polygon(x0 + a, y0 + d, x0 + a + d, y0, x0 + a + d, y0 + a, x0 + a, y0 + a + d);
        g.setPaint(metal ? new GradientPaint((float) x0, (float) (y0 + d), Drawing.lighter(c, 0.5),
                (float) (x0 + a), (float) (y0 + d + a), Drawing.darker(c, 0.35)) : c);
        g.fill(front);
        g.setPaint(metal ? new GradientPaint((float) x0, (float) y0, Drawing.lighter(c, 0.75),
                (float) (x0 + a + d), (float) (y0 + d), Drawing.lighter(c, 0.3)) : Drawing.lighter(c, 0.22));
        g.fill(top);
        g.setPaint(metal ? new GradientPaint((float) (x0 + a), (float) y0, Drawing.darker(c, 0.25),
                (float) (x0 + a + d), (float) (y0 + a + d), Drawing.darker(c, 0.65)) : Drawing.darker(c, 0.3));
        g.fill(right);
        if (metal) {
            // A diagonal glint across the front face.
            Shape clip = g.getClip();
            g.clip(front);
            g.setColor(new Color(255, 255, 255, 110));
            g.fill(polygon(x0, y0 + d + 0.55 * a, x0 + 0.55 * a, y0 + d, x0 + 0.7 * a, y0 + d, x0, y0 + d + 0.7 * a));
            g.setClip(clip);
        }
        outline(g, c, front);
        outline(g, c, top);
        outline(g, c, right);
    }

    private static void cylinder(Graphics2D g, SceneObject o) {
        Rectangle2D b = o.box();
        Color c = o.colour().rgb();
        boolean metal = o.material() == SceneObject.Material.METAL;
        double w = b.getWidth();
        double e = 0.32 * w;
        double body = b.getHeight() - e;
        Shape topFace = new Ellipse2D.Double(b.getX(), b.getY(), w, e);
        Area side = new Area(new Rectangle2D.Double(b.getX(), b.getY() + e / 2, w, body));
        side.add(new Area(new Ellipse2D.Double(b.getX(), b.getY() + body, w, e)));
        Point2D left = new Point2D.Double(b.getX(), 0);
        Point2D rightEdge = new Point2D.Double(b.getMaxX(), 0);
        g.setPaint(metal
                ? new LinearGradientPaint(left, rightEdge, new float[] {0f, 0.25f, 0.5f, 1f},
                        new Color[] {Drawing.darker(c, 0.4), Drawing.lighter(c, 0.75), c, Drawing.darker(c, 0.6)})
                : new LinearGradientPaint(left, rightEdge, new float[] {0f, 0.3f, 1f},
                        new Color[] {c, Drawing.lighter(c, 0.12), Drawing.darker(c, 0.35)}));
        g.fill(side);
        g.setPaint(metal ? Drawing.lighter(c, 0.55) : Drawing.lighter(c, 0.25));
        g.fill(topFace);
        outline(g, c, side);
        outline(g, c, topFace);
    }

    private static void outline(Graphics2D g, Color c, Shape shape) {
        g.setColor(Drawing.darker(c, 0.55));
        g.draw(shape);
    }

    private static Shape polygon(double... xy) {
        Path2D.Double p = new Path2D.Double();
        p.moveTo(xy[0], xy[1]);
        for (int i = 2; i < xy.length; i += 2) {
            p.lineTo(xy[i], xy[i + 1]);
        }
        p.closePath();
        return p;
    }
}
