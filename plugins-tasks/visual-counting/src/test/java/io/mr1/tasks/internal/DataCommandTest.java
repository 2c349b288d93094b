package io.mr1.tasks.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.kl.KlScheduleProvider;
import io.mr1.api.plugin.PluginInfo;
import io.mr1.api.plugin.PluginKind;
import io.mr1.api.plugin.PluginRegistry;
import io.mr1.api.reward.RewardFunction;
import io.mr1.api.task.Task;
import io.mr1.tasks.support.SharedData;
import io.mr1.task.visualcounting.CountingSettings;
import io.mr1.task.visualcounting.VisualCountingTask;
import io.mr1.task.geometryreasoning.GeometryReasoningTask;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCommandTest {

    @TempDir
    Path tmp;

    private final Map<String, Task> tasks = new TreeMap<>(Map.of(
            "visual-counting", new VisualCountingTask(),
            "geometry-reasoning", new GeometryReasoningTask(),
            "crowded", new VisualCountingTask(new CountingSettings(64, 64, 30, 30, 0.0, Task.R1V_TEMPLATE))));
    private final DataCommand command = new DataCommand(new Registry());
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) throws Exception {
        return command.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void generatesWithProgressAndPrintsTheJsonlPath() throws Exception {
        Path target = tmp.resolve("sets/counting");
        assertEquals(0, run("generate", "--task", "visual-counting", "--n", "100", "--seed", "5", "--out",
                target.toString()));
        assertEquals(target.resolve("data.jsonl") + System.lineSeparator(), out());
        List<String> progress = err().lines().toList();
        assertEquals(10, progress.size(), err());
        assertEquals("generated 10/100", progress.get(0));
        assertEquals("generated 100/100", progress.get(9));
        assertEquals(List.of("counting"), names(tmp.resolve("sets")), "no temporary folder left behind");
        new VisualCountingTask().generate(100, 5, tmp.resolve("direct"));
        assertNull(SharedData.firstDifference(target, tmp.resolve("direct")), "the command adds nothing");
    }

    @Test
    void smallSetsPrintNoProgressAndTheSeedDefaultsToZero() throws Exception {
        Path target = tmp.resolve("geo");
        assertEquals(0, run("generate", "--task=geometry-reasoning", "--n=3", "--out", target.toString()));
        assertEquals("", err());
        new GeometryReasoningTask().generate(3, 0, tmp.resolve("direct"));
        assertNull(SharedData.firstDifference(target, tmp.resolve("direct")));
    }

    @Test
    void anEmptyOutputFolderIsReplaced() throws Exception {
        Path target = Files.createDirectories(tmp.resolve("empty"));
        assertEquals(0, run("generate", "--task", "visual-counting", "--n", "2", "--out", target.toString()));
        assertTrue(Files.isRegularFile(target.resolve("data.jsonl")));
    }

    @Test
    void refusesANonEmptyOutputFolder() throws Exception {
        Path target = Files.createDirectories(tmp.resolve("full"));
        Files.writeString(target.resolve("keep.txt"), "mine");
        assertEquals(1, run("generate", "--task", "visual-counting", "--n", "2", "--out", target.toString()));
        assertEquals("mr1 data: output folder " + target + " exists and is not empty; choose another --out or remove"
                + " it" + System.lineSeparator(), err());
        assertEquals(List.of("keep.txt"), names(target));
        assertEquals("", out());
    }

    @Test
    void unknownTaskListsTheInstalledOnes() throws Exception {
        assertEquals(2, run("generate", "--task", "nope", "--n", "2", "--out", tmp.resolve("x").toString()));
        assertEquals("mr1 data: unknown task 'nope'; installed tasks: crowded, geometry-reasoning, visual-counting"
                + System.lineSeparator(), err());
        assertFalse(Files.exists(tmp.resolve("x")));
    }

    @Test
    void badUsageExitsTwoWithTheUsage() throws Exception {
        assertEquals(2, run("make", "--task", "visual-counting", "--n", "2", "--out", "x"));
        assertTrue(err().startsWith("mr1 data: unknown subcommand 'make'; valid: generate"), err());
        assertTrue(err().contains("Usage: mr1 data generate"));
        assertUsageError("missing subcommand; valid: generate", "--task", "visual-counting");
        assertUsageError("missing required option --task", "generate", "--n", "2", "--out", "x");
        assertUsageError("missing required option --n", "generate", "--task", "visual-counting", "--out", "x");
        assertUsageError("option --n needs an integer, got 'ten'", "generate", "--task", "t", "--n", "ten");
        assertUsageError("option --n needs a count from 1", "generate", "--task", "t", "--n", "0", "--out", "x");
        assertUsageError("unknown option '--count'", "generate", "--count", "3");
    }

    @Test
    void helpPrintsTheUsage() throws Exception {
        assertEquals(0, run("--help"));
        assertTrue(out().startsWith("Usage: mr1 data generate --task NAME --n N [--seed S] --out DIR"));
    }

    @Test
    void aFailedGenerationLeavesNothingBehind() throws Exception {
        Path target = tmp.resolve("crowded");
        assertEquals(1, run("generate", "--task", "crowded", "--n", "1", "--out", target.toString()));
        assertTrue(err().startsWith("mr1 data: generating 1 items of crowded failed: cannot place 30 objects"), err());
        assertEquals(List.of(), names(tmp));
    }

    private void assertUsageError(String message, String... args) throws Exception {
        err.reset();
        assertEquals(2, run(args));
        assertTrue(err().startsWith("mr1 data: " + message), err());
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** A registry holding only this test's tasks. */
    private final class Registry implements PluginRegistry {
        @Override
        public List<PluginInfo> plugins() {
            List<PluginInfo> out = new ArrayList<>();
            tasks.keySet().forEach(n -> out.add(new PluginInfo(PluginKind.TASK, n, "io.mr1.tasks", "0.1.0")));
            return out;
        }

        @Override
        public Optional<PolicyBackend> backend(String name) {
            return Optional.empty();
        }

        @Override
        public Optional<RewardFunction> reward(String name) {
            return Optional.empty();
        }

        @Override
        public Optional<KlScheduleProvider> klSchedule(String name) {
            return Optional.empty();
        }

        @Override
        public Optional<Task> task(String name) {
            return Optional.ofNullable(tasks.get(name));
        }

        @Override
        public List<String> names(PluginKind kind) {
            return kind == PluginKind.TASK ? List.copyOf(tasks.keySet()) : List.of();
        }
    }
}
