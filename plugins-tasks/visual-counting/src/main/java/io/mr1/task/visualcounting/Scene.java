package io.mr1.task.visualcounting;

import java.util.List;

/**
 * A generated scene: the image size and its objects, back to front (drawing order).
 *
 * @param width image width in pixels
 * @param height image height in pixels
 * @param objects the objects, farthest first
 */
public record Scene(int width, int height, List<SceneObject> objects) {
    /** Copies the list. */
    public Scene {
        objects = List.copyOf(objects);
    }
}
