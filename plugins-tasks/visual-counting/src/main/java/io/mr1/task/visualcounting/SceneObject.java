package io.mr1.task.visualcounting;

import java.awt.Color;
import java.awt.geom.Rectangle2D;
import java.util.Locale;

/**
 * One object of a scene, in pixels: it stands on the ground at ({@code x}, {@code y})
 * (bottom centre) and fills the box {@code width} x {@code height} above that point.
 *
 * @param shape its shape
 * @param colour its colour
 * @param size small or large
 * @param material rubber or metal
 * @param x horizontal centre
 * @param y where it touches the ground (bottom of the box)
 * @param width box width
 * @param height box height
 */
public record SceneObject(Shape shape, Colour colour, Size size, Material material, double x, double y,
        double width, double height) {

    /** @return the bounding box in image coordinates */
    public Rectangle2D box() {
        return new Rectangle2D.Double(x - width / 2, y - height, width, height);
    }

    /** Shapes as CLEVR names them. */
    public enum Shape {
        /** Drawn as a box with its top and right faces showing. */
        CUBE,
        /** Drawn as a shaded disc. */
        SPHERE,
        /** Drawn as a body with elliptic top and bottom. */
        CYLINDER;

        /** @return the word in questions and scene files, e.g. {@code cube} */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** CLEVR's eight colours, with CLEVR's RGB values. */
    public enum Colour {
        /** Gray. */
        GRAY(87, 87, 87),
        /** Red. */
        RED(173, 35, 35),
        /** Blue. */
        BLUE(42, 75, 215),
        /** Green. */
        GREEN(29, 105, 20),
        /** Brown. */
        BROWN(129, 74, 25),
        /** Purple. */
        PURPLE(129, 38, 192),
        /** Cyan. */
        CYAN(41, 208, 208),
        /** Yellow. */
        YELLOW(255, 238, 51);

        private final Color rgb;

        Colour(int r, int g, int b) {
            this.rgb = new Color(r, g, b);
        }

        /** @return the base colour */
        public Color rgb() {
            return rgb;
        }

        /** @return the word in questions and scene files, e.g. {@code red} */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Two sizes, far enough apart that perspective never makes a small object look large. */
    public enum Size {
        /** Small. */
        SMALL,
        /** Large. */
        LARGE;

        /** @return the word in questions and scene files */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Surface: matte or shiny. */
    public enum Material {
        /** Matte: flat faces, soft shading. */
        RUBBER,
        /** Shiny: strong gradients and a specular highlight. */
        METAL;

        /** @return the word in questions and scene files */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
