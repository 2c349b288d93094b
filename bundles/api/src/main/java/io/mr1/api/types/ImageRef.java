package io.mr1.api.types;

import java.nio.file.Path;
import java.util.Objects;

/**
 * An image that belongs to a prompt, referenced by its file. Images are decoded by the
 * backend's preprocessor, not here, so the API stays free of imaging and engine types.
 *
 * @param path absolute or working-directory-relative path of a PNG or JPEG file
 */
public record ImageRef(Path path) {
    /** Validates the path is present. */
    public ImageRef {
        Objects.requireNonNull(path, "path");
    }
}
