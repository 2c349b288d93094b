package io.mr1.launcher;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds a lab's reward bundle at test time, as a lab would ship one: a DS component
 * implementing {@code io.mr1.api.reward.RewardFunction}, compiled against the distribution's
 * API jar, with a hand-written manifest and component description. Its score is the
 * completion's length modulo 2; it can sleep before answering, from a given call on.
 */
final class LabRewardBundle {

    private LabRewardBundle() {
    }

    /**
     * @param dir a scratch folder
     * @param symbolicName the bundle's symbolic name (also its package)
     * @param version its version
     * @param rewardName the reward's name
     * @param sleepFromCall the first call (1-based) that sleeps, or 0 for never
     * @param sleepMillis how long such a call sleeps
     * @return the jar
     */
    static Path build(Path dir, String symbolicName, String version, String rewardName, int sleepFromCall,
                      long sleepMillis) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "the tests need a JDK (javac) to build a lab's reward bundle");
        String pkg = symbolicName.replaceAll("[^A-Za-z0-9.]", "");
        Path work = Files.createDirectories(dir.resolve(symbolicName + "-" + version));
        Path src = work.resolve("src/" + pkg.replace('.', '/') + "/LabReward.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, """
                package %s;

                import io.mr1.api.reward.RewardScore;
                import java.util.ArrayList;
                import java.util.List;
                import java.util.concurrent.atomic.AtomicInteger;

                public final class LabReward implements io.mr1.api.reward.RewardFunction {
                    private static final AtomicInteger CALLS = new AtomicInteger();

                    @Override
                    public String name() {
                        return "%s";
                    }

                    @Override
                    public List<RewardScore> score(io.mr1.api.task.Sample sample, List<String> completions) {
                        int call = CALLS.incrementAndGet();
                        if (%d > 0 && call >= %d) {
                            try {
                                Thread.sleep(%dL);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                        List<RewardScore> out = new ArrayList<>();
                        for (String c : completions) {
                            out.add(RewardScore.of(c.length() %% 2));
                        }
                        return out;
                    }
                }
                """.formatted(pkg, rewardName, sleepFromCall, sleepFromCall, sleepMillis), StandardCharsets.UTF_8);
        Path classes = Files.createDirectories(work.resolve("classes"));
        Path api = DistributionFixture.dist().resolve("bundles/api-0.1.0-SNAPSHOT.jar");
        int status = javac.run(null, null, null, "-proc:none", "--release", "17", "-nowarn", "-cp", api.toString(),
                "-d", classes.toString(), src.toString());
        assertTrue(status == 0, "javac failed on the lab reward");

        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", symbolicName);
        a.putValue("Bundle-Version", version);
        a.putValue("Import-Package", "io.mr1.api.reward;version=\"[1.0,2)\",io.mr1.api.task;version=\"[1.2,2)\"");
        a.putValue("Service-Component", "OSGI-INF/component.xml");
        Path jar = dir.resolve(symbolicName + "-" + version + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf)) {
            put(out, "OSGI-INF/component.xml", """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.3.0" name="%s">
                      <service><provide interface="io.mr1.api.reward.RewardFunction"/></service>
                      <implementation class="%s.LabReward"/>
                    </scr:component>
                    """.formatted(symbolicName, pkg).getBytes(StandardCharsets.UTF_8));
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    put(out, classes.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
                }
            }
        }
        return jar;
    }

    private static void put(JarOutputStream out, String name, byte[] bytes) throws IOException {
        out.putNextEntry(new JarEntry(name));
        out.write(bytes);
        out.closeEntry();
    }

    /** Plugins a GRPO run of the visual-counting task needs, copied from the built distribution. */
    static void copyTrainingPlugins(Path plugins) throws IOException {
        for (String prefix : List.of("io.mr1.backend.pytorch-", "io.mr1.klschedule.adaptive-", "io.mr1.task.visual-counting-",
                "io.mr1.reward.accuracy-", "io.mr1.reward.format-")) {
            try (Stream<Path> files = Files.list(DistributionFixture.dist().resolve("plugins"))) {
                Path jar = files.filter(f -> f.getFileName().toString().startsWith(prefix)).findFirst()
                        .orElseThrow(() -> new AssertionError("plugin not built: " + prefix));
                Files.copy(jar, plugins.resolve(jar.getFileName()));
            }
        }
    }
}
