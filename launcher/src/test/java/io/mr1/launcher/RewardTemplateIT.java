package io.mr1.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reward template's recipe for building outside the repository (its README, section 1)
 * works offline from what building mr1 left in the local repository: the template is copied
 * out, its pom replaced by {@code standalone/pom.xml}, and built with {@code mvn -o package}
 * against a local repository holding mr1's own artifacts (its parent pom and API jar, as
 * {@code mvn install} leaves them) beside everything mr1's build fetched. The jar it makes
 * is then deployed and listed by {@code mr1 plugins}.
 */
class RewardTemplateIT {

    private static final String VERSION = "0.1.0-SNAPSHOT";

    @Test
    void theTemplateBuildsOfflineOutsideTheRepositoryAndDeploys(@TempDir Path tmp) throws Exception {
        Path mvn = maven();
        assumeTrue(mvn != null, "Maven (mvn) is not available to this test: the offline recipe is not checked");
        Path m2 = Paths.get(System.getProperty("mr1.m2", System.getProperty("user.home") + "/.m2/repository"));
        assertTrue(Files.isDirectory(m2), "the local repository the build used: " + m2);
        Path repoRoot = Paths.get(System.getProperty("mr1.repo.root", "..")).toAbsolutePath().normalize();

        Path project = tmp.resolve("my-reward");
        copy(repoRoot.resolve("plugins-rewards/reward-template"), project);
        Files.move(project.resolve("standalone/pom.xml"), project.resolve("pom.xml"),
                StandardCopyOption.REPLACE_EXISTING);
        Path local = localRepository(tmp.resolve("m2"), m2, repoRoot);

        ProcessBuilder pb = new ProcessBuilder(mvn.toString(), "-B", "-o", "-q", "-Dmaven.repo.local=" + local,
                "package").directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("mvn.log").toFile());
        pb.environment().put("MAVEN_OPTS", "-Xmx512m");
        long began = System.nanoTime();
        Process p = pb.start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "mvn package timed out");
        String log = Files.readString(tmp.resolve("mvn.log"));
        System.out.printf("reward template: offline standalone build took %.1f s%n", (System.nanoTime() - began) / 1e9);
        assertEquals(0, p.exitValue(), "mvn -o package of the standalone template failed:\n" + log);
        Path jar = project.resolve("target/reward-template-" + VERSION + ".jar");
        assertTrue(Files.isRegularFile(jar), "no jar built:\n" + log);

        Path home = DistributionFixture.copyWithoutPlugins(tmp.resolve("mr1"));
        Files.copy(jar, home.resolve("plugins").resolve(jar.getFileName()));
        try (Mr1Runtime runtime = Mr1Runtime.start(home, false, home.resolve("plugins"))) {
            assertTrue(runtime.warnings().isEmpty(), runtime.warnings().toString());
            String json = DistributionFixture.run(runtime, "plugins", "--json");
            assertTrue(DistributionFixture.pluginNames(json, "reward").contains("concise"), json);
        }
    }

    /** bin/mvn of the Maven running the build, else mvn on the PATH, else null. */
    private static Path maven() {
        String home = System.getProperty("mr1.maven.home");
        if (home != null && !home.isBlank() && Files.isExecutable(Paths.get(home, "bin", "mvn"))) {
            return Paths.get(home, "bin", "mvn");
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Paths.get(dir, "mvn");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /**
     * A local repository as {@code mvn install} of mr1 leaves it: mr1's parent pom and API (from
     * this build's own files) beside every other artifact of the build's local repository (linked,
     * not copied). Nothing of mr1 comes from the real repository, so a recipe that needed more of
     * mr1 than {@code mvn install} puts there would fail here.
     */
    private static Path localRepository(Path scratch, Path real, Path repoRoot) throws IOException {
        Files.createDirectories(scratch);
        try (Stream<Path> top = Files.list(real)) {
            for (Path entry : top.toList()) {
                if (!entry.getFileName().toString().equals("io")) {
                    Files.createSymbolicLink(scratch.resolve(entry.getFileName().toString()), entry);
                }
            }
        }
        Path io = Files.createDirectories(scratch.resolve("io"));
        if (Files.isDirectory(real.resolve("io"))) {
            try (Stream<Path> groups = Files.list(real.resolve("io"))) {
                for (Path entry : groups.toList()) {
                    if (!entry.getFileName().toString().equals("mr1")) {
                        Files.createSymbolicLink(io.resolve(entry.getFileName().toString()), entry);
                    }
                }
            }
        }
        Path parent = Files.createDirectories(io.resolve("mr1/mr1/" + VERSION));
        Files.copy(repoRoot.resolve("pom.xml"), parent.resolve("mr1-" + VERSION + ".pom"));
        Path api = Files.createDirectories(io.resolve("mr1/api/" + VERSION));
        Files.copy(repoRoot.resolve("bundles/api/pom.xml"), api.resolve("api-" + VERSION + ".pom"));
        Path apiJar = DistributionFixture.dist().resolve("bundles/api-" + VERSION + ".jar");
        Files.copy(apiJar, api.resolve("api-" + VERSION + ".jar"));
        return scratch;
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path rel = from.relativize(p);
                if (rel.startsWith("target")) {
                    continue;
                }
                Path target = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
