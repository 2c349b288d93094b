package io.mr1.tensorboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.report.RunReporter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventFileWriterTest {

    /** What a short run reports: three steps of scalars (beta among them) and one sample text. */
    private static Path writeRun(Path runDir) throws IOException {
        try (RunReporter.Writer w = new TensorboardReporter().open(runDir, 0)) {
            for (int step = 0; step < 3; step++) {
                Map<String, Double> values = new LinkedHashMap<>();
                values.put("train/loss", 1.5 - 0.25 * step);
                values.put("train/beta", 0.04 + 0.001 * step);
                values.put("train/kl", Double.NaN); // left out
                w.scalars(step, values);
            }
            w.text(2, "samples", "**prompt** How many circles?\n\n| completion | reward |\n|---|---|\n| 3 | 1.0 |");
        }
        try (var files = Files.list(runDir.resolve(TensorboardReporter.FOLDER))) {
            List<Path> all = files.toList();
            assertEquals(1, all.size());
            assertTrue(all.get(0).getFileName().toString().startsWith("events.out.tfevents."), all.toString());
            return all.get(0);
        }
    }

    @Test
    void readsBackEveryScalarAndTheText(@TempDir Path tmp) throws IOException {
        Path file = writeRun(tmp);
        EventFileReader.Contents c = EventFileReader.read(file);
        assertFalse(c.torn());
        List<EventFileReader.Entry> events = c.result();
        assertEquals(EventFileWriter.FILE_VERSION, events.get(0).fileVersion());
        assertTrue(events.get(1).sessionStart());
        assertEquals(0, events.get(1).step());
        for (int step = 0; step < 3; step++) {
            EventFileReader.Entry e = events.get(2 + step);
            assertEquals(step, e.step());
            assertEquals(Map.of("train/loss", (float) (1.5 - 0.25 * step), "train/beta", (float) (0.04 + 0.001 * step)),
                    e.scalars());
        }
        EventFileReader.Entry text = events.get(5);
        assertEquals(2, text.step());
        assertTrue(text.texts().get("samples").contains("How many circles?"), text.toString());
        assertEquals(6, events.size());
    }

    @Test
    void aCrashMidRecordLeavesAReadablePrefixAndDamageIsCaught(@TempDir Path tmp) throws IOException {
        Path file = writeRun(tmp);
        byte[] all = Files.readAllBytes(file);
        Path torn = tmp.resolve("torn");
        Files.write(torn, java.util.Arrays.copyOf(all, all.length - 7));
        EventFileReader.Contents c = EventFileReader.read(torn);
        assertTrue(c.torn());
        assertEquals(5, c.result().size(), "every complete event before the torn one");

        byte[] flipped = all.clone();
        flipped[flipped.length - 20] ^= 1;
        Path bad = tmp.resolve("bad");
        Files.write(bad, flipped);
        IOException e = assertThrows(IOException.class, () -> EventFileReader.read(bad));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void maskedCrcMatchesTensorflowsDefinition() {
        // crc32c("123456789") = 0xE3069283 (the standard check value); TensorFlow masks it as
        // ((c >>> 15) | (c << 17)) + 0xa282ead8.
        int c = 0xE3069283;
        int masked = ((c >>> 15) | (c << 17)) + 0xa282ead8;
        byte[] data = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(masked, TfRecords.maskedCrc(data, 0, data.length));
    }

    /**
     * TensorBoard's own reader (pip package tensorboard) loads the file: every scalar and the
     * text. Skipped, saying why, where Python or the package is missing (.ci/run installs it).
     */
    @Test
    void tensorboardsOwnReaderLoadsTheFile(@TempDir Path tmp) throws Exception {
        Path file = writeRun(tmp);
        String script = """
                import json, sys
                from tensorboard.backend.event_processing import event_accumulator as ea
                acc = ea.EventAccumulator(sys.argv[1], size_guidance={ea.TENSORS: 0, ea.SCALARS: 0})
                acc.Reload()
                tags = acc.Tags()
                out = {"scalars": {t: [[e.step, e.value] for e in acc.Scalars(t)] for t in tags["scalars"]},
                       "texts": {t: [[e.step, e.tensor_proto.string_val[0].decode("utf-8")] for e in acc.Tensors(t)]
                                 for t in tags["tensors"]}}
                print(json.dumps(out))
                """;
        Path py = tmp.resolve("read.py");
        Files.writeString(py, script, StandardCharsets.UTF_8);
        // Probe first: where Python or the package is missing the test is skipped, saying which.
        String probe = python("-c", "import tensorboard.backend.event_processing.event_accumulator");
        Assumptions.assumeTrue(probe == null, "TensorBoard's own reader not run: " + probe
                + " (pip install tensorboard; .ci/run does)");
        Process p = new ProcessBuilder("python3", py.toString(), file.getParent().toString()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), err);
        var json = com.google.gson.JsonParser.parseString(out.strip()).getAsJsonObject();
        var loss = json.getAsJsonObject("scalars").getAsJsonArray("train/loss");
        assertEquals(3, loss.size(), out);
        assertEquals(1.0, loss.get(2).getAsJsonArray().get(1).getAsDouble(), 1e-6);
        assertEquals(3, json.getAsJsonObject("scalars").getAsJsonArray("train/beta").size(), out);
        assertFalse(json.getAsJsonObject("scalars").has("train/kl"), out);
        var text = json.getAsJsonObject("texts").getAsJsonArray("samples").get(0).getAsJsonArray();
        assertEquals(2, text.get(0).getAsInt());
        assertTrue(text.get(1).getAsString().contains("How many circles?"), out);
    }

    /**
     * A resumed run's new file starts with a session start at its step: TensorBoard drops what
     * the first file logged from that step on, so each step has one value, the resumed run's.
     */
    @Test
    void tensorboardDropsTheStepsAResumedRunWritesAgain(@TempDir Path tmp) throws Exception {
        String probe = python("-c", "import tensorboard.backend.event_processing.event_accumulator");
        Assumptions.assumeTrue(probe == null, "TensorBoard's own reader not run: " + probe
                + " (pip install tensorboard; .ci/run does)");
        for (int[] run : new int[][] {{0, 4}, {2, 4}}) { // steps 0-3, then resumed at 2
            try (RunReporter.Writer w = new TensorboardReporter().open(tmp, run[0])) {
                for (int step = run[0]; step < run[1]; step++) {
                    w.scalars(step, Map.of("train/loss", run[0] == 0 ? 1.0 + step : 10.0 + step));
                }
            }
        }
        Path py = tmp.resolve("read.py");
        Files.writeString(py, """
                import sys
                from tensorboard.backend.event_processing import event_accumulator as ea
                acc = ea.EventAccumulator(sys.argv[1], size_guidance={ea.SCALARS: 0})
                acc.Reload()
                print(" ".join("%d:%g" % (e.step, e.value) for e in acc.Scalars("train/loss")))
                """, StandardCharsets.UTF_8);
        Process p = new ProcessBuilder("python3", py.toString(), tmp.resolve(TensorboardReporter.FOLDER).toString())
                .start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.exitValue(), new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        assertEquals("0:1 1:2 2:12 3:13", out);
    }

    /** Runs python3 with arguments; null when it exits 0, else why it could not. */
    private static String python(String... args) throws InterruptedException {
        java.util.List<String> command = new java.util.ArrayList<>(List.of("python3"));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                String[] lines = out.split("\n");
                return lines[lines.length - 1];
            }
            return null;
        } catch (IOException e) {
            return "python3 is not installed";
        }
    }
}
