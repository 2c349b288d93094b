package io.mr1.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.backend.BackendInfo;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendControlTest {

    /** The plugin registry's backends, as the test installs them (SCR tells both it and the control). */
    static final class Registry implements io.mr1.api.plugin.PluginRegistry {
        final List<PolicyBackend> backends = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public List<io.mr1.api.plugin.PluginInfo> plugins() {
            return backends.stream().map(b -> new io.mr1.api.plugin.PluginInfo(io.mr1.api.plugin.PluginKind.BACKEND,
                    b.name(), "bundle." + System.identityHashCode(b), "1.0.0")).toList();
        }

        @Override
        public Optional<PolicyBackend> backend(String name) {
            return backends.stream().filter(b -> b.name().equals(name)).findFirst();
        }

        @Override
        public Optional<io.mr1.api.reward.RewardFunction> reward(String name) {
            return Optional.empty();
        }

        @Override
        public Optional<io.mr1.api.kl.KlScheduleProvider> klSchedule(String name) {
            return Optional.empty();
        }

        @Override
        public Optional<io.mr1.api.task.Task> task(String name) {
            return Optional.empty();
        }

        @Override
        public List<String> names(io.mr1.api.plugin.PluginKind kind) {
            return kind == io.mr1.api.plugin.PluginKind.BACKEND
                    ? backends.stream().map(PolicyBackend::name).distinct().sorted().toList() : List.of();
        }
    }

    /** Installs a backend as SCR does: the registry and the control both bind it. */
    private static void install(Registry registry, BackendControl control, PolicyBackend backend) {
        registry.backends.add(backend);
        control.addBackend(backend);
    }

    /** A backend that is only a name. */
    static PolicyBackend named(String name) {
        return new PolicyBackend() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public BackendInfo info() {
                return new BackendInfo(name, "0", "cpu", List.of("cpu"), null);
            }

            @Override
            public Policy load(Path checkpoint, Path reference, String device) {
                throw new UnsupportedOperationException();
            }

            @Override
            public String smokeTest() {
                return null;
            }
        };
    }

    @Test
    void aRunWritesItsFileAndAResumeKeepsTheBackendItNames(@TempDir Path run) throws Exception {
        BackendControl control = new BackendControl(null, new Registry());
        List<String> said = new ArrayList<>();
        try (BackendControl.Run r = control.open(run, "pytorch", said::add)) {
            assertEquals("pytorch", r.requested());
            assertEquals(Optional.of(run.toAbsolutePath()), control.activeRun());
        }
        assertTrue(said.get(0).contains("no ConfigAdmin here"), said.toString());
        assertEquals(Optional.of("pytorch"), BackendControl.configured(run));
        BackendControl.write(run, "tensorflow");
        try (BackendControl.Run r = control.open(run, "pytorch", said::add)) {
            assertEquals("tensorflow", r.requested(), "the run folder's file wins over the config");
        }
        assertEquals(Optional.empty(), control.activeRun());
        Files.writeString(run.resolve(BackendControl.FILE), "# nothing\n");
        var e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> BackendControl.configured(run));
        assertTrue(e.getMessage().contains("io.mr1.run.cfg: no 'backend=NAME' line"), e.getMessage());
    }

    @Test
    void removingABackendARunHoldsWaitsUntilTheRunReleasesIt(@TempDir Path run) throws Exception {
        Registry registry = new Registry();
        BackendControl control = new BackendControl(null, registry);
        PolicyBackend torch = named("pytorch");
        install(registry, control, torch);
        install(registry, control, named("tensorflow"));
        assertEquals(List.of("pytorch", "tensorflow"), control.installedNames());
        try (BackendControl.Run r = control.open(run, "pytorch", m -> { })) {
            assertTrue(r.find("pytorch").isPresent());
            r.hold(torch);
            CompletableFuture<Void> removal = CompletableFuture.runAsync(() -> control.removeBackend(torch));
            long deadline = System.currentTimeMillis() + 5000;
            while (r.find("pytorch").isPresent() && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
            assertFalse(r.find("pytorch").isPresent(), "a run no longer finds a backend being removed");
            Thread.sleep(200);
            assertFalse(removal.isDone(), "the removal waits while the run holds a policy of it");
            r.release(torch);
            removal.get(5, TimeUnit.SECONDS);
            // The registry is told after the control here (SCR's order is not fixed): still not found.
            assertEquals(List.of("tensorflow"), control.installedNames());
            registry.backends.remove(torch);
            assertEquals(List.of("tensorflow"), control.installedNames());
        }
    }

    @Test
    void removingABackendNoRunHoldsReturnsAtOnce() throws Exception {
        Registry registry = new Registry();
        BackendControl control = new BackendControl(null, registry);
        PolicyBackend torch = named("pytorch");
        install(registry, control, torch);
        CompletableFuture.runAsync(() -> control.removeBackend(torch)).get(5, TimeUnit.SECONDS);
        assertEquals(List.of(), control.installedNames());
    }

    @Test
    void aRunFindsTheBackendTheRegistryFindsAndAnotherOfTheNameWhenOneGoes(@TempDir Path run) throws Exception {
        // Two bundles with a backend named pytorch: the control's own map kept the last bound one
        // and, when that one went, found none although the registry still had one.
        Registry registry = new Registry();
        BackendControl control = new BackendControl(null, registry);
        PolicyBackend first = named("pytorch");
        PolicyBackend second = named("pytorch");
        install(registry, control, first);
        install(registry, control, second);
        try (BackendControl.Run r = control.open(run, "pytorch", m -> { })) {
            assertTrue(r.find("pytorch").get() == registry.backend("pytorch").get(), "the registry's choice");
            control.removeBackend(second);
            registry.backends.remove(second);
            assertTrue(r.find("pytorch").get() == first, "the other one is still installed");
        }
    }
}
