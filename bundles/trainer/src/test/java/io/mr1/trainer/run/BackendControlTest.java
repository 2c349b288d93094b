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
        BackendControl control = new BackendControl(null);
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
        BackendControl control = new BackendControl(null);
        PolicyBackend torch = named("pytorch");
        control.addBackend(torch);
        control.addBackend(named("tensorflow"));
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
            assertEquals(List.of("tensorflow"), control.installedNames());
        }
    }

    @Test
    void removingABackendNoRunHoldsReturnsAtOnce() throws Exception {
        BackendControl control = new BackendControl(null);
        PolicyBackend torch = named("pytorch");
        control.addBackend(torch);
        CompletableFuture.runAsync(() -> control.removeBackend(torch)).get(5, TimeUnit.SECONDS);
        assertEquals(List.of(), control.installedNames());
    }
}
