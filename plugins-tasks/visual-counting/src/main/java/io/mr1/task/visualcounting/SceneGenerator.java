package io.mr1.task.visualcounting;

import io.mr1.task.visualcounting.SceneObject.Colour;
import io.mr1.task.visualcounting.SceneObject.Material;
import io.mr1.task.visualcounting.SceneObject.Shape;
import io.mr1.task.visualcounting.SceneObject.Size;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Draws random scenes and questions. Objects stand on a ground plane seen from above
 * and in front: the lower an object stands in the image, the nearer and the larger it
 * is, within a range narrow enough that a small object never looks larger than a large
 * one. A placement is rejected when its box would cover more than {@code max_overlap}
 * of another object's box (or the other way round), or leave the image.
 */
final class SceneGenerator {

    /** Nominal object sizes as fractions of the shorter image side. */
    private static final double LARGE = 0.21;
    private static final double SMALL = 0.12;
    /** Perspective scale at the far and near end of the ground. */
    private static final double FAR_SCALE = 0.82;
    private static final double NEAR_SCALE = 1.12;
    /** Where the ground band starts and ends, as fractions of the image height. */
    private static final double GROUND_TOP = 0.38;
    private static final double GROUND_BOTTOM = 0.97;
    private static final int PLACEMENT_TRIES = 200;
    private static final int SCENE_TRIES = 50;

    private final CountingSettings settings;

    SceneGenerator(CountingSettings settings) {
        this.settings = settings;
    }

    /**
     * A random scene; the object count is drawn once, then placements are retried.
     *
     * @param random the item's generator
     * @return the scene
     * @throws IllegalStateException when the objects do not fit the image at this overlap
     */
    Scene scene(SplittableRandom random) {
        int n = settings.minObjects() + random.nextInt(settings.maxObjects() - settings.minObjects() + 1);
        for (int attempt = 0; attempt < SCENE_TRIES; attempt++) {
            List<SceneObject> objects = place(n, random);
            if (objects != null) {
                objects.sort(Comparator.comparingDouble(SceneObject::y));
                return new Scene(settings.width(), settings.height(), objects);
            }
        }
        throw new IllegalStateException("cannot place " + n + " objects in a " + settings.width() + "x"
                + settings.height() + " image with max_overlap " + settings.maxOverlap()
                + "; use a larger image, fewer objects or a larger max_overlap");
    }

    private List<SceneObject> place(int n, SplittableRandom random) {
        List<SceneObject> placed = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            Shape shape = pick(Shape.values(), random);
            Colour colour = pick(Colour.values(), random);
            Size size = pick(Size.values(), random);
            Material material = pick(Material.values(), random);
            SceneObject object = null;
            for (int t = 0; t < PLACEMENT_TRIES && object == null; t++) {
                SceneObject candidate = candidate(shape, colour, size, material, random);
                if (fits(candidate, placed)) {
                    object = candidate;
                }
            }
            if (object == null) {
                return null;
            }
            placed.add(object);
        }
        return placed;
    }

    private SceneObject candidate(Shape shape, Colour colour, Size size, Material material, SplittableRandom random) {
        int w = settings.width();
        int h = settings.height();
        double top = GROUND_TOP * h;
        double bottom = GROUND_BOTTOM * h;
        double y = top + random.nextDouble() * (bottom - top);
        double depth = (y - top) / (bottom - top);
        double scale = FAR_SCALE + (NEAR_SCALE - FAR_SCALE) * depth;
        double d = (size == Size.LARGE ? LARGE : SMALL) * Math.min(w, h) * scale;
        double boxW;
        double boxH;
        switch (shape) {
            case CUBE -> {
                boxW = 1.04 * d;
                boxH = 1.04 * d;
            }
            case CYLINDER -> {
                boxW = 0.78 * d;
                boxH = 1.05 * d;
            }
            default -> {
                boxW = d;
                boxH = d;
            }
        }
        double x = boxW / 2 + 2 + random.nextDouble() * (w - boxW - 4);
        return new SceneObject(shape, colour, size, material, round(x), round(y), round(boxW), round(boxH));
    }

    /** Two decimals are plenty for pixels and keep the scene files readable. */
    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private boolean fits(SceneObject candidate, List<SceneObject> placed) {
        Rectangle2D box = candidate.box();
        if (box.getMinX() < 1 || box.getMinY() < 1 || box.getMaxX() > settings.width() - 1
                || box.getMaxY() > settings.height() - 1) {
            return false;
        }
        for (SceneObject other : placed) {
            if (overlap(box, other.box()) > settings.maxOverlap()) {
                return false;
            }
        }
        return true;
    }

    /**
     * How much two boxes overlap: the shared area over the smaller box's area, so a small
     * object half hidden behind a large one counts as 0.5.
     *
     * @param a one box
     * @param b the other
     * @return the overlap, 0 to 1
     */
    static double overlap(Rectangle2D a, Rectangle2D b) {
        double iw = Math.min(a.getMaxX(), b.getMaxX()) - Math.max(a.getMinX(), b.getMinX());
        double ih = Math.min(a.getMaxY(), b.getMaxY()) - Math.max(a.getMinY(), b.getMinY());
        if (iw <= 0 || ih <= 0) {
            return 0;
        }
        double smaller = Math.min(a.getWidth() * a.getHeight(), b.getWidth() * b.getHeight());
        return iw * ih / smaller;
    }

    /**
     * A random question about a scene, of a kind drawn from the settings' question mix.
     * Attribute questions usually (4 in 5) ask about attributes some object has, so that
     * not every such answer is 0.
     *
     * @param scene the scene
     * @param random the item's generator
     * @return the question with its answer
     */
    CountingQuestion question(Scene scene, SplittableRandom random) {
        String kind = settings.questionMix().draw(random);
        if (kind.equals("items")) {
            return total("items", "How many items are there in the image?", scene);
        }
        if (kind.equals("objects")) {
            return total("objects", "How many objects are there in the image?", scene);
        }
        List<SceneObject> objects = scene.objects();
        SceneObject like = !objects.isEmpty() && random.nextInt(5) != 0
                ? objects.get(random.nextInt(objects.size()))
                : new SceneObject(pick(Shape.values(), random), pick(Colour.values(), random),
                        pick(Size.values(), random), pick(Material.values(), random), 0, 0, 0, 0);
        Map<String, String> query = new LinkedHashMap<>();
        String text = switch (kind) {
            case "color-shape" -> {
                query.put("color", like.colour().word());
                query.put("shape", like.shape().word());
                yield "How many " + like.colour().word() + " " + like.shape().word() + "s are there?";
            }
            case "size-material" -> {
                query.put("size", like.size().word());
                query.put("material", like.material().word());
                yield "How many " + like.size().word() + " " + like.material().word() + " things are there?";
            }
            case "shape" -> {
                query.put("shape", like.shape().word());
                yield "How many " + like.shape().word() + "s are there?";
            }
            case "color" -> {
                query.put("color", like.colour().word());
                yield "How many " + like.colour().word() + " objects are there?";
            }
            default -> throw new IllegalStateException("unknown question kind " + kind);
        };
        int answer = (int) objects.stream().filter(o -> matches(o, query)).count();
        return new CountingQuestion(kind, text, query, answer);
    }

    private static CountingQuestion total(String family, String text, Scene scene) {
        return new CountingQuestion(family, text, Map.of(), scene.objects().size());
    }

    /**
     * Whether an object has every attribute of a query.
     *
     * @param o the object
     * @param query attribute name to word
     * @return whether it matches
     */
    static boolean matches(SceneObject o, Map<String, String> query) {
        return query.entrySet().stream().allMatch(e -> switch (e.getKey()) {
            case "color" -> o.colour().word().equals(e.getValue());
            case "shape" -> o.shape().word().equals(e.getValue());
            case "size" -> o.size().word().equals(e.getValue());
            case "material" -> o.material().word().equals(e.getValue());
            default -> false;
        });
    }

    private static <T> T pick(T[] values, SplittableRandom random) {
        return values[random.nextInt(values.length)];
    }
}
