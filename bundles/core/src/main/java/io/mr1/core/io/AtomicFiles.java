package io.mr1.core.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Writes files and folders atomically: content goes to a hidden sibling ({@code .NAME.tmp-N}
 * for a file, {@code .NAME.partial} for a folder), is forced to disk, and is renamed over the
 * target in one step. A kill at any moment leaves either the previous target or the new one;
 * leftovers are hidden names that readers ignore and the next write of the same target clears.
 * Files get the default permissions of a newly created file (not the owner-only mode of
 * {@link Files#createTempFile}), so run folders stay readable on a shared machine.
 */
public final class AtomicFiles {

    /** Writes a file's content to a stream. */
    @FunctionalInterface
    public interface Content {
        /**
         * Writes the content.
         *
         * @param out the stream (closed by the caller)
         * @throws IOException if writing fails
         */
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * Writes a file atomically, replacing any previous one.
     *
     * @param target the file
     * @param content writes the bytes
     * @throws IOException if writing fails; the target is then unchanged
     */
    public static void write(Path target, Content content) throws IOException {
        Path abs = target.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp-"
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36));
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 OutputStream out = java.nio.channels.Channels.newOutputStream(channel)) {
                content.writeTo(out);
                out.flush();
                channel.force(true);
            }
            move(tmp, abs);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Writes text (UTF-8) atomically.
     *
     * @param target the file
     * @param text its content
     * @throws IOException if writing fails; the target is then unchanged
     */
    public static void writeString(Path target, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        write(target, out -> out.write(bytes));
    }

    /**
     * Writes lines (UTF-8, each ended by a newline) atomically.
     *
     * @param target the file
     * @param lines its lines
     * @throws IOException if writing fails; the target is then unchanged
     */
    public static void writeLines(Path target, List<String> lines) throws IOException {
        StringBuilder text = new StringBuilder();
        lines.forEach(line -> text.append(line).append(System.lineSeparator()));
        writeString(target, text.toString());
    }

    /**
     * A fresh, empty hidden staging folder beside a folder that {@link #commitFolder} will create.
     *
     * @param target the folder to build
     * @return the staging folder ({@code .NAME.partial}), emptied of anything a killed writer left
     * @throws IOException if it cannot be created
     */
    public static Path stagingFolder(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path staging = abs.resolveSibling("." + abs.getFileName() + ".partial");
        deleteRecursively(staging);
        Files.createDirectories(staging);
        return staging;
    }

    /**
     * Forces a filled staging folder's files to disk and renames it into place, replacing an
     * older folder of that name: readers see the old folder or the new one, never a mix.
     *
     * @param staging the filled staging folder
     * @param target the final folder
     * @throws IOException if the rename fails
     */
    public static void commitFolder(Path staging, Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        try (Stream<Path> walk = Files.walk(staging)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(p)) {
                    try (FileChannel channel = FileChannel.open(p, StandardOpenOption.WRITE)) {
                        channel.force(true);
                    }
                }
            }
        }
        if (Files.exists(abs)) {
            // Move the old one aside first: a rename onto a non-empty folder is not atomic.
            Path old = abs.resolveSibling("." + abs.getFileName() + ".old");
            deleteRecursively(old);
            Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(staging, abs, StandardCopyOption.ATOMIC_MOVE);
            deleteRecursively(old);
        } else {
            Files.move(staging, abs, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /**
     * Deletes a file or folder tree if it exists.
     *
     * @param path the file or folder
     * @throws IOException if deletion fails
     */
    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    private static void move(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot replace " + target + " atomically on this file system: " + e.getMessage(), e);
        }
    }
}
