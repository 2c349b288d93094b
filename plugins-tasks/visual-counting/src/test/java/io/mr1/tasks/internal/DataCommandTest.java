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
        assertEquals("""
                {
                  "task": "visual-counting",
                  "n": 100,
                  "seed": 5,
                  "options": {}
                }
                """, takeRecord(target));
        new VisualCountingTask().generate(100, 5, tmp.resolve("direct"));
        assertNull(SharedData.firstDifference(target, tmp.resolve("direct")), "the command adds only the record");
    }

    @Test
    void smallSetsPrintNoProgressAndTheSeedDefaultsToZero() throws Exception {
        Path target = tmp.resolve("geo");
        assertEquals(0, run("generate", "--task=geometry-reasoning", "--n=3", "--out", target.toString()));
        assertEquals("", err());
        assertTrue(takeRecord(target).contains("\"seed\": 0,"));
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
        assertTrue(out().startsWith("Usage: mr1 data generate --task NAME --n N [--seed S] [--options FILE.json]"));
        assertTrue(out().contains("--option KEY=VALUE"), out());
    }

    @Test
    void optionsGiveTheTaskWithThoseOptionsAndAreRecorded() throws Exception {
        Path target = tmp.resolve("options");
        assertEquals(0, run("generate", "--task", "visual-counting", "--n", "12", "--seed", "3", "--out",
                target.toString(), "--option", "max_objects=4", "--option=question_mix={\"shape\": 1, \"items\": 2}",
                "--option", "prompt_template=Q: {question}"), err());
        String record = takeRecord(target);
        assertEquals("""
                {
                  "task": "visual-counting",
                  "n": 12,
                  "seed": 3,
                  "options": {
                    "max_objects": 4,
                    "question_mix": {
                      "shape": 1,
                      "items": 2
                    },
                    "prompt_template": "Q: {question}"
                  }
                }
                """, record);
        Map<String, Object> mix = new java.util.LinkedHashMap<>();
        mix.put("shape", 1);
        mix.put("items", 2);
        Task direct = new VisualCountingTask().withOptions(
                Map.of("max_objects", 4, "question_mix", mix, "prompt_template", "Q: {question}"));
        direct.generate(12, 3, tmp.resolve("direct"));
        assertNull(SharedData.firstDifference(target, tmp.resolve("direct")));

        // The record's options, saved as a file, make the same data again.
        String options = record.substring(record.indexOf("\"options\": ") + 11, record.lastIndexOf('}'));
        Path file = Files.writeString(tmp.resolve("options.json"), options);
        Path again = tmp.resolve("again");
        assertEquals(0, run("generate", "--task", "visual-counting", "--n", "12", "--seed", "3", "--options",
                file.toString(), "--out", again.toString()), err());
        takeRecord(again);
        assertNull(SharedData.firstDifference(again, tmp.resolve("direct")));
    }

    @Test
    void anOptionReplacesTheFilesKey() throws Exception {
        Path file = Files.writeString(tmp.resolve("geo.json"), "{\"families\": [\"lengths\"], \"image_size\": 200}");
        Path target = tmp.resolve("geo");
        assertEquals(0, run("generate", "--task", "geometry-reasoning", "--n", "4", "--options", file.toString(),
                "--option", "families=[\"circle-angles\"]", "--out", target.toString()), err());
        assertEquals("""
                {
                  "task": "geometry-reasoning",
                  "n": 4,
                  "seed": 0,
                  "options": {
                    "families": [
                      "circle-angles"
                    ],
                    "image_size": 200
                  }
                }
                """, takeRecord(target));
        new GeometryReasoningTask().withOptions(Map.of("families", List.of("circle-angles"), "image_size", 200))
                .generate(4, 0, tmp.resolve("direct"));
        assertNull(SharedData.firstDifference(target, tmp.resolve("direct")));
    }

    @Test
    void badOptionsAreUsageErrorsNamingTheKeyAndWriteNothing() throws Exception {
        String out = tmp.resolve("bad").toString();
        assertUsageError("task visual-counting: task_options.max_object: unknown option; valid: image_height,"
                + " image_width, max_objects, max_overlap, min_objects, prompt_template, question_mix",
                "generate", "--task", "visual-counting", "--n", "2", "--option", "max_object=3", "--out", out);
        assertUsageError("task visual-counting: task_options.max_objects must be from min_objects (1) to 30, got 40",
                "generate", "--task", "visual-counting", "--n", "2", "--option", "max_objects=40", "--out", out);
        assertUsageError("task visual-counting: task_options.max_objects: must be a whole number, got many",
                "generate", "--task", "visual-counting", "--n", "2", "--option", "max_objects=many", "--out", out);
        assertUsageError("task geometry-reasoning: task_options.families: unknown family 'circles'; valid:"
                + " triangle-angles, parallel-lines, angle-bisector, circle-angles, lengths",
                "generate", "--task", "geometry-reasoning", "--n", "2", "--option", "families=[\"circles\"]",
                "--out", out);
        assertUsageError("option --option needs KEY=VALUE, got 'max_objects'",
                "generate", "--task", "visual-counting", "--n", "2", "--option", "max_objects", "--out", out);
        assertUsageError("option --options: cannot read " + tmp.resolve("missing.json"),
                "generate", "--task", "visual-counting", "--n", "2", "--options", tmp.resolve("missing.json").toString(),
                "--out", out);
        Path notJson = Files.writeString(tmp.resolve("bad.json"), "{max_objects: 3}");
        assertUsageError("option --options: " + notJson + " is not one strict JSON object of task options: not valid"
                + " JSON", "generate", "--task", "visual-counting", "--n", "2", "--options", notJson.toString(),
                "--out", out);
        assertFalse(Files.exists(tmp.resolve("bad")));
        assertEquals(List.of("bad.json"), names(tmp));
    }

    @Test
    void optionValuesAreJsonWhenTheyAreJsonAndTextOtherwise() {
        assertEquals(4, GenerationOptions.value("4"));
        assertEquals(0.25, GenerationOptions.value("0.25"));
        assertEquals(5_000_000_000L, GenerationOptions.value("5000000000"));
        assertEquals(true, GenerationOptions.value("true"));
        assertEquals(List.of("a", 2), GenerationOptions.value("[\"a\", 2]"));
        assertEquals(Map.of("items", 1), GenerationOptions.value("{\"items\": 1}"));
        assertEquals("quoted", GenerationOptions.value("\"quoted\""));
        assertEquals("{question} Answer.", GenerationOptions.value("{question} Answer."));
        assertEquals("1, \"w\": 2", GenerationOptions.value("1, \"w\": 2"), "not one value: text");
        assertEquals("", GenerationOptions.value(""));
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

    /** Reads and removes the generation record, so the rest can be compared with a direct generation. */
    private static String takeRecord(Path dir) throws IOException {
        Path record = dir.resolve("generation.json");
        String text = Files.readString(record, StandardCharsets.UTF_8);
        Files.delete(record);
        return text;
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
