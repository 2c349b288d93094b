package io.mr1.launcher;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The Felix bundle caches in the temporary folder ({@code mr1-felix-*}, about 125 MB each with
 * the unpacked natives). Each process holds an OS file lock on its cache's {@value #LOCK} file
 * for as long as it runs; the OS drops the lock when the process dies, kill -9 included. So at
 * start a process can tell the caches of dead processes (lock free) from live ones (locked)
 * and removes the dead ones: however many runs were killed, at most the caches of running
 * processes remain. A cache without a lock file (written by an mr1 from before the locks) is
 * removed once it is a day old.
 */
final class BundleCache {

    /** Name prefix of a cache folder in the temporary folder. */
    static final String PREFIX = "mr1-felix-";
    /** The lock file inside a cache folder. */
    static final String LOCK = ".mr1-lock";

    private static final Duration UNLOCKED_AGE = Duration.ofDays(1);
    /** Caches this JVM holds: never probed (closing a probe's channel would drop the JVM's own lock). */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private BundleCache() {
    }

    /** A cache this process holds. */
    static final class Lease {
        private final Path folder;
        private final FileChannel channel;
        private final FileLock lock;

        private Lease(Path folder, FileChannel channel, FileLock lock) {
            this.folder = folder;
            this.channel = channel;
            this.lock = lock;
        }

        /** @return the cache folder */
        Path folder() {
            return folder;
        }

        /** Deletes the cache (the lock file last) and lets go of the lock. */
        void release() {
            deleteContents(folder);
            try {
                lock.release();
                channel.close();
            } catch (IOException ignored) {
                // the process is ending or the folder is gone; the lock dies with the channel
            }
            HELD.remove(folder);
            deleteQuietly(folder);
        }
    }

    /** @return the JVM's temporary folder */
    static Path tempRoot() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    /**
     * Creates and locks a fresh cache folder.
     *
     * @param root the temporary folder
     * @return the lease
     * @throws IOException if the folder or its lock cannot be created
     */
    static Lease create(Path root) throws IOException {
        Path folder = Files.createTempDirectory(root, PREFIX);
        FileChannel channel = FileChannel.open(folder.resolve(LOCK), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock();
        if (lock == null) {
            channel.close();
            throw new IOException("cannot lock the new bundle cache " + folder);
        }
        HELD.add(folder);
        return new Lease(folder, channel, lock);
    }

    /**
     * Removes the caches of processes that no longer run.
     *
     * @param root the temporary folder
     * @return how many were removed
     */
    static int cleanStale(Path root) {
        int removed = 0;
        try (Stream<Path> entries = Files.list(root)) {
            for (Path dir : (Iterable<Path>) entries::iterator) {
                if (dir.getFileName().toString().startsWith(PREFIX) && Files.isDirectory(dir) && !HELD.contains(dir)
                        && removeIfStale(dir)) {
                    removed++;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // cleaning is best effort: a cache we cannot list or remove is left as it was
        }
        return removed;
    }

    private static boolean removeIfStale(Path dir) {
        Path lockFile = dir.resolve(LOCK);
        if (!Files.exists(lockFile)) {
            try {
                if (Files.getLastModifiedTime(dir).toInstant().isBefore(Instant.now().minus(UNLOCKED_AGE))) {
                    deleteQuietly(dir);
                    return true;
                }
            } catch (IOException ignored) {
                // gone meanwhile
            }
            return false; // young: perhaps a process that has not taken its lock yet
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return false; // a running process holds it
            }
            try {
                deleteContents(dir);
            } finally {
                lock.release();
            }
        } catch (OverlappingFileLockException | IOException e) {
            return false;
        }
        deleteQuietly(dir);
        return true;
    }

    /** Deletes everything in a cache folder but its lock file. */
    private static void deleteContents(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder())
                    .filter(p -> !p.equals(dir) && !p.equals(dir.resolve(LOCK)))
                    .forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // best effort
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // A leftover temporary folder is harmless.
        }
    }
}
