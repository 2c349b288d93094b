package io.mr1.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the launcher says about a plugins/ file before it waits for it. */
class PluginJarsTest {

    private static Path jar(Path dir, String name, String... headers) throws Exception {
        Manifest mf = new Manifest();
        mf.getMainAttributes().putValue("Manifest-Version", "1.0");
        for (int i = 0; i < headers.length; i += 2) {
            mf.getMainAttributes().putValue(headers[i], headers[i + 1]);
        }
        Path jar = dir.resolve(name);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf)) {
            out.flush();
        }
        return jar;
    }

    @Test
    void eachKindOfNonBundleGetsItsReasonAndABundlePasses(@TempDir Path tmp) throws Exception {
        Path bundle = jar(tmp, "ok.jar", "Bundle-ManifestVersion", "2", "Bundle-SymbolicName", "lab.ok",
                "Bundle-Version", "1.2.3");
        assertEquals(Optional.empty(), PluginJars.problem(bundle));

        Files.write(tmp.resolve("corrupt.jar"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertTrue(PluginJars.problem(tmp.resolve("corrupt.jar")).orElseThrow()
                .startsWith("not a readable jar (corrupt or truncated zip: "));

        byte[] whole = Files.readAllBytes(bundle);
        Files.write(tmp.resolve("truncated.jar"), java.util.Arrays.copyOf(whole, whole.length - 30));
        assertTrue(PluginJars.problem(tmp.resolve("truncated.jar")).orElseThrow()
                .startsWith("not a readable jar (corrupt or truncated zip: "));

        assertEquals(Optional.of("a plain jar, not an OSGi bundle (its manifest has no Bundle-SymbolicName)"),
                PluginJars.problem(jar(tmp, "plain.jar", "Main-Class", "com.example.Tool")));
        assertEquals(Optional.of("its manifest's Bundle-Version '1.x' is not an OSGi version"),
                PluginJars.problem(jar(tmp, "badversion.jar", "Bundle-SymbolicName", "lab.v", "Bundle-Version", "1.x")));
    }
}
