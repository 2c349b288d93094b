package io.mr1.reward.accuracy;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the shared real-data folder ({@code shared/data/real}) that sits beside the repository. */
final class RealData {

    private RealData() {
    }

    /**
     * Walks up from the working directory until an ancestor holds {@code shared/data/real}
     * (the repository's sibling {@code shared} is then a child of the repository's parent).
     *
     * @return the {@code shared/data/real} folder
     */
    static Path dir() {
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath().normalize();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("data").resolve("real");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return fail("No shared/data/real folder found in " + start + " or any folder above it: these tests need the"
                + " shared real-data checkout beside the repository (see shared/data/real/README.md)");
    }
}
