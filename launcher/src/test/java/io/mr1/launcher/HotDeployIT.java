package io.mr1.launcher;

import static io.mr1.launcher.DistributionFixture.await;
import static io.mr1.launcher.DistributionFixture.pluginNames;
import static io.mr1.launcher.DistributionFixture.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * Boots the real framework over a copy of the built distribution and proves plugins
 * hot-deploy: installed and removed at runtime, while the plugin registry (a consumer with
 * greedy dynamic references) rebinds without being restarted.
 */
class HotDeployIT {

    private static final String REWARD = "io.mr1.api.reward.RewardFunction";
    private static final String REGISTRY = "io.mr1.api.plugin.PluginRegistry";

    @Test
    void rewardBundleInstalledAtRuntimeIsBoundAndUnboundWithoutRestartingTheRegistry(@TempDir Path tmp)
            throws Exception {
        Path home = DistributionFixture.copyWithoutPlugins(tmp.resolve("mr1"));
        try (Mr1Runtime runtime = Mr1Runtime.start(home, false, home.resolve("plugins"))) {
            BundleContext context = runtime.framework().getBundleContext();
            Object registryId = registryServiceId(context);
            assertFalse(pluginNames(run(runtime, "plugins", "--json"), "reward").contains("format"));
            assertEquals(0, count(context, REWARD));

            Bundle reward = context.installBundle(DistributionFixture.formatPluginJar().toUri().toString());
            reward.start();
            await("reward service registered", 5_000, () -> count(context, REWARD) == 1);
            assertTrue(pluginNames(run(runtime, "plugins", "--json"), "reward").contains("format"));
            assertEquals(registryId, registryServiceId(context), "registry must rebind, not restart");

            reward.uninstall();
            await("reward service unregistered", 5_000, () -> count(context, REWARD) == 0);
            assertFalse(pluginNames(run(runtime, "plugins", "--json"), "reward").contains("format"));
            assertEquals(registryId, registryServiceId(context), "registry must rebind, not restart");
        }
    }

    @Test
    void jarDroppedIntoPluginsFolderAppearsAndDisappearsWithinFiveSeconds(@TempDir Path tmp) throws Exception {
        Path home = DistributionFixture.copyWithoutPlugins(tmp.resolve("mr1"));
        Path plugins = home.resolve("plugins");
        try (Mr1Runtime runtime = Mr1Runtime.start(home, false, plugins)) {
            assertFalse(pluginNames(run(runtime, "plugins", "--json"), "reward").contains("format"));

            Path dropped = plugins.resolve("io.mr1.reward.format.jar");
            Files.copy(DistributionFixture.formatPluginJar(), dropped);
            long appeared = await("format listed after the drop", 5_000,
                    () -> listed(runtime, "format"));

            Files.delete(dropped);
            long disappeared = await("format gone after the removal", 5_000,
                    () -> !listed(runtime, "format"));
            System.out.printf("hot-deploy: listed after %d ms, gone after %d ms%n", appeared, disappeared);
        }
    }

    @Test
    void brokenPluginIsReportedByNameAndDoesNotStopTheLauncher(@TempDir Path tmp) throws Exception {
        Path home = DistributionFixture.copyWithoutPlugins(tmp.resolve("mr1"));
        Path plugins = home.resolve("plugins");
        // A bundle that imports a package nobody exports cannot resolve.
        java.util.jar.Manifest mf = new java.util.jar.Manifest();
        mf.getMainAttributes().putValue("Manifest-Version", "1.0");
        mf.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
        mf.getMainAttributes().putValue("Bundle-SymbolicName", "lab.broken.reward");
        mf.getMainAttributes().putValue("Import-Package", "com.example.missing");
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(plugins.resolve("broken.jar")), mf)) {
            out.flush();
        }
        Files.copy(DistributionFixture.formatPluginJar(), plugins.resolve("format.jar"));
        try (Mr1Runtime runtime = Mr1Runtime.start(home, false, plugins)) {
            assertTrue(runtime.warnings().stream().anyMatch(w -> w.contains("broken.jar")
                    && w.contains("com.example.missing")), "warnings: " + runtime.warnings());
            assertTrue(listed(runtime, "format"), "a healthy plugin beside a broken one still loads");
        }
    }

    private static boolean listed(Mr1Runtime runtime, String reward) {
        try {
            return pluginNames(run(runtime, "plugins", "--json"), "reward").contains(reward);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Object registryServiceId(BundleContext context) throws Exception {
        ServiceReference<?>[] refs = context.getAllServiceReferences(REGISTRY, null);
        assertNotNull(refs, "plugin registry registered");
        assertEquals(1, refs.length);
        return refs[0].getProperty("service.id");
    }

    private static int count(BundleContext context, String service) {
        try {
            ServiceReference<?>[] refs = context.getAllServiceReferences(service, null);
            return refs == null ? 0 : refs.length;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
