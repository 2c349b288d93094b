package io.mr1.tasks.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import io.mr1.api.task.Task;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** Test helpers: the shared real data beside the repository, folder comparison, annotation defaults. */
public final class SharedData {

    private SharedData() {
    }

    /**
     * The {@code shared/data/real} folder, found by walking up from the working directory
     * (CI clones the repository with {@code shared/} beside it).
     *
     * @return the folder
     */
    public static Path real() {
        Path here = Path.of("").toAbsolutePath().normalize();
        for (Path p = here; p != null; p = p.getParent()) {
            Path real = p.resolve("shared/data/real");
            if (Files.isDirectory(real)) {
                return real;
            }
        }
        return fail("these tests read public evaluation data from shared/data/real, which is not in " + here
                + " or any folder above it; check out shared/ beside the repository");
    }

    /**
     * Every regular file under a folder, as sorted relative paths.
     *
     * @param root the folder
     * @return relative paths
     */
    public static List<String> files(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            List<String> out = new ArrayList<>();
            walk.filter(Files::isRegularFile).forEach(p -> out.add(root.relativize(p).toString()));
            out.sort(null);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A SHA-256 over chosen files of a folder: each relative path, then its bytes, in path
     * order. Pins generated text files (JSONL, scene files) whose bytes depend on the random
     * draws and IEEE arithmetic only, unlike PNGs, which also depend on Java2D's rasteriser.
     *
     * @param root the folder
     * @param include which relative paths to hash
     * @return the hex digest
     */
    public static String sha256(Path root, Predicate<String> include) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String f : files(root)) {
                if (include.test(f)) {
                    digest.update(f.getBytes(StandardCharsets.UTF_8));
                    digest.update(Files.readAllBytes(root.resolve(f)));
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Whether two folders hold the same files with the same bytes.
     *
     * @param a one folder
     * @param b the other
     * @return the first relative path that differs, or null when identical
     */
    public static String firstDifference(Path a, Path b) {
        List<String> fa = files(a);
        List<String> fb = files(b);
        if (!fa.equals(fb)) {
            return "file lists differ: " + fa.size() + " vs " + fb.size();
        }
        try {
            for (String f : fa) {
                if (Files.mismatch(a.resolve(f), b.resolve(f)) != -1) {
                    return f;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return null;
    }

    /**
     * An instance of a component property type that answers every method with its
     * declared default, as SCR does when no configuration exists.
     *
     * @param <A> the annotation type
     * @param type the annotation type
     * @return the instance
     */
    public static <A> A defaults(Class<A> type) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> method.getDefaultValue()));
    }

    /**
     * Generates a dataset twice with one seed and once with another: the first two must
     * be identical byte for byte, the third must differ in its questions and first image.
     *
     * @param task the task
     * @param count items per dataset
     * @param tmp a scratch folder
     * @throws IOException if generating fails
     */
    public static void assertSameSeedSameBytes(Task task, int count, Path tmp) throws IOException {
        task.generate(count, 42, tmp.resolve("a"));
        task.generate(count, 42, tmp.resolve("b"));
        task.generate(count, 43, tmp.resolve("c"));
        assertEquals(1 + 2 * count, files(tmp.resolve("a")).size(), "data.jsonl, the images, the scenes");
        assertNull(firstDifference(tmp.resolve("a"), tmp.resolve("b")));
        assertNotEquals(Files.readString(tmp.resolve("a/data.jsonl")), Files.readString(tmp.resolve("c/data.jsonl")));
        assertNotEquals(-1L, Files.mismatch(tmp.resolve("a/images/000000.png"), tmp.resolve("c/images/000000.png")));
    }

    /**
     * Generates with two tasks (e.g. one without options and one with the defaults given as
     * options) and one seed: the datasets must be identical byte for byte.
     *
     * @param a one task
     * @param b the other
     * @param count items
     * @param seed the seed
     * @param tmp a scratch folder
     * @throws IOException if generating fails
     */
    public static void assertSameData(Task a, Task b, int count, long seed, Path tmp) throws IOException {
        a.generate(count, seed, tmp.resolve("a"));
        b.generate(count, seed, tmp.resolve("b"));
        assertEquals(1 + 2 * count, files(tmp.resolve("b")).size());
        assertNull(firstDifference(tmp.resolve("a"), tmp.resolve("b")));
    }

    /**
     * Generates more than one parallel chunk of items on one thread and on three: the
     * datasets must be identical byte for byte.
     *
     * @param task the task
     * @param tmp a scratch folder
     * @throws IOException if generating fails
     */
    public static void assertThreadCountDoesNotChangeBytes(R1vTask task, Path tmp) throws IOException {
        int count = 70;
        task.generate(count, 5, tmp.resolve("one-thread"), done -> { }, 1);
        task.generate(count, 5, tmp.resolve("three-threads"), done -> { }, 3);
        assertEquals(1 + 2 * count, files(tmp.resolve("three-threads")).size());
        assertNull(firstDifference(tmp.resolve("one-thread"), tmp.resolve("three-threads")));
    }
}
