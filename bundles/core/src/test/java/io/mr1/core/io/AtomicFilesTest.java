package io.mr1.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporary(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("a.json");
        AtomicFiles.writeString(file, "old");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(file, out -> {
            out.write("half".getBytes());
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals("old", Files.readString(file));
        assertEquals(List.of("a.json"), names(tmp));
        AtomicFiles.writeLines(file, List.of("x", "y"));
        assertEquals(List.of("x", "y"), Files.readAllLines(file));
    }

    @Test
    void filesAreReadableByOthersUnlikeCreateTempFile(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("plot.png");
        AtomicFiles.writeString(file, "png");
        if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertTrue(Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_READ)
                    || !Files.getPosixFilePermissions(tmp).contains(PosixFilePermission.OTHERS_READ),
                    "a new file gets the umask's mode: " + Files.getPosixFilePermissions(file));
        }
    }

    @Test
    void aFolderIsReplacedWhole(@TempDir Path tmp) throws Exception {
        Path target = tmp.resolve("step-4");
        Path first = AtomicFiles.stagingFolder(target);
        Files.writeString(first.resolve("a"), "1");
        Files.writeString(first.resolve("stale"), "1");
        AtomicFiles.commitFolder(first, target);
        Path second = AtomicFiles.stagingFolder(target);
        Files.writeString(second.resolve("a"), "2");
        AtomicFiles.commitFolder(second, target);
        assertEquals("2", Files.readString(target.resolve("a")));
        assertFalse(Files.exists(target.resolve("stale")), "nothing of the old folder survives");
        assertEquals(List.of("step-4"), names(tmp));
    }

    @Test
    void aStagingFolderLeftByAKilledWriterIsCleared(@TempDir Path tmp) throws Exception {
        Path target = tmp.resolve("model");
        Files.createDirectories(tmp.resolve(".model.partial/sub"));
        Files.writeString(tmp.resolve(".model.partial/sub/torn"), "x");
        Path staging = AtomicFiles.stagingFolder(target);
        assertEquals(List.of(), names(staging));
    }
}
