package io.mr1.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleCacheTest {

    @Test
    void aDeadProcessCacheIsRemovedAndAHeldOneIsNot(@TempDir Path tmp) throws Exception {
        BundleCache.Lease held = BundleCache.create(tmp);
        Files.createDirectories(held.folder().resolve("felix/bundle1"));
        // A killed process's cache: the lock file is there, nobody holds its lock.
        Path dead = Files.createDirectories(tmp.resolve(BundleCache.PREFIX + "dead"));
        Files.writeString(dead.resolve(BundleCache.LOCK), "");
        Files.createDirectories(dead.resolve("felix/bundle7/natives"));
        Files.writeString(dead.resolve("felix/bundle7/natives/libtorch.so"), "x".repeat(1000));
        // A very old cache from an mr1 before the locks, and a young one whose process may not have locked yet.
        Path legacy = Files.createDirectories(tmp.resolve(BundleCache.PREFIX + "legacy"));
        Files.setLastModifiedTime(legacy, FileTime.from(Instant.now().minus(Duration.ofDays(2))));
        Path young = Files.createDirectories(tmp.resolve(BundleCache.PREFIX + "young"));
        Path other = Files.createDirectories(tmp.resolve("someone-elses-folder"));

        assertEquals(2, BundleCache.cleanStale(tmp));
        assertFalse(Files.exists(dead));
        assertFalse(Files.exists(legacy));
        assertTrue(Files.isDirectory(held.folder().resolve("felix/bundle1")), "a live cache is untouched");
        assertTrue(Files.exists(young) && Files.exists(other));

        held.release();
        assertFalse(Files.exists(held.folder()), "a released cache is deleted");
    }
}
