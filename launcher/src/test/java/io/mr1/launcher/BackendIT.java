package io.mr1.launcher;

import static io.mr1.launcher.DistributionFixture.await;
import static io.mr1.launcher.DistributionFixture.run;
import static io.mr1.launcher.LauncherProcessIT.mr1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PyTorch backend inside the real launcher: listed, healthy offline, and hot-swappable over resident natives. */
class BackendIT {

    @Test
    void doctorReportsPyTorchOnCpuWithAPassingSmokeTest(@TempDir Path logs) throws Exception {
        var plugins = mr1(logs, "plugins", "--json");
        assertEquals(List.of("pytorch", "tensorflow"), DistributionFixture.pluginNames(plugins.out(), "backend"));
        var doctor = mr1(logs, "doctor", "--json");
        assertEquals(0, doctor.status(), doctor.err());
        JsonObject report = JsonParser.parseString(doctor.out()).getAsJsonObject();
        JsonObject backend = report.getAsJsonArray("backends").get(0).getAsJsonObject();
        assertEquals("pytorch", backend.get("name").getAsString());
        assertEquals("2.7.1", backend.get("engine_version").getAsString());
        assertEquals("cpu", backend.get("flavour").getAsString());
        assertEquals("passed", backend.get("smoke_test").getAsString());
        assertTrue(report.get("offline").getAsBoolean(), "bin/mr1 runs DJL offline");
    }

    @Test
    void backendAdapterHotSwapsOverTheResidentEngine(@TempDir Path tmp) throws Exception {
        Path home = DistributionFixture.copyWithoutPlugins(tmp.resolve("mr1"));
        Path adapter = DistributionFixture.dist().resolve("plugins/io.mr1.backend.pytorch-0.1.0-SNAPSHOT.jar");
        Path dropped = home.resolve("plugins/pytorch.jar");
        Files.copy(adapter, dropped);
        try (Mr1Runtime runtime = Mr1Runtime.start(home, false, home.resolve("plugins"))) {
            assertTrue(run(runtime, "doctor").contains("smoke test passed"));
            Files.delete(dropped);
            await("backend gone", 5_000, () -> !listed(runtime));
            Files.copy(adapter, dropped);
            await("backend back", 5_000, () -> listed(runtime));
            // The engine (JNI) stayed loaded in the resident bundle; the new adapter uses it.
            assertTrue(run(runtime, "doctor").contains("smoke test passed"));
        }
    }

    private static boolean listed(Mr1Runtime runtime) {
        try {
            return DistributionFixture.pluginNames(run(runtime, "plugins", "--json"), "backend").contains("pytorch");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
