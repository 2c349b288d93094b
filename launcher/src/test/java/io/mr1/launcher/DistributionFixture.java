package io.mr1.launcher;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** Shared helpers of the launcher's integration tests: the built distribution and polling. */
final class DistributionFixture {

    private DistributionFixture() {
    }

    /** The distribution the build assembled (target/mr1). */
    static Path dist() {
        Path dist = Paths.get(System.getProperty("mr1.dist", "target/mr1")).toAbsolutePath();
        assertTrue(Files.isDirectory(dist.resolve("bundles")), "distribution not built: " + dist);
        return dist;
    }

    /** The format reward plugin jar the build put into plugins/. */
    static Path formatPluginJar() {
        Path jar = Paths.get(System.getProperty("mr1.test.plugins.format",
                dist().resolve("plugins/io.mr1.reward.format-0.1.0-SNAPSHOT.jar").toString()));
        assertTrue(Files.isRegularFile(jar), "format plugin not built: " + jar);
        return jar;
    }

    /** Copies the distribution to a fresh folder with an empty plugins/ so tests do not touch target/mr1. */
    static Path copyWithoutPlugins(Path into) throws IOException {
        Path src = dist();
        try (Stream<Path> walk = Files.walk(src)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path rel = src.relativize(p);
                if (rel.startsWith("plugins") && !rel.toString().equals("plugins")) {
                    continue;
                }
                Path target = into.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return into;
    }

    /** Runs a command in a running framework and returns its stdout. */
    static String run(Mr1Runtime runtime, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = runtime.run(args[0], java.util.Arrays.copyOfRange(args, 1, args.length),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        if (status != 0) {
            throw new AssertionError("mr1 " + String.join(" ", args) + " exited " + status + ": "
                    + err.toString(StandardCharsets.UTF_8));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Names listed by {@code plugins --json} for one kind. */
    static List<String> pluginNames(String json, String kind) {
        JsonArray array = JsonParser.parseString(json).getAsJsonArray();
        List<String> names = new ArrayList<>();
        for (JsonElement e : array) {
            if (e.getAsJsonObject().get("kind").getAsString().equals(kind)) {
                names.add(e.getAsJsonObject().get("name").getAsString());
            }
        }
        return names;
    }

    /**
     * Polls until a condition holds.
     *
     * @return milliseconds it took
     */
    static long await(String what, long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
        long start = System.nanoTime();
        while (!condition.getAsBoolean()) {
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            if (elapsed > timeoutMillis) {
                throw new AssertionError(what + " did not happen within " + timeoutMillis + " ms");
            }
            Thread.sleep(20);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }
}
