package io.mr1.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mr1.core.cli.CommandLine;
import io.mr1.core.cli.ModelDoctor;
import io.mr1.models.KnownConfigs;
import io.mr1.models.ModelFolderKindsTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mr1 doctor --model}: the exact count on every folder kind, and Qwen2-VL-2B against 24 GiB. */
class ModelDoctorServiceTest {

    private record Run(int status, String out, String err) {
    }

    private static Run doctor(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine line = CommandLine.parse(args, Set.of("--json"), ModelDoctor.OPTIONS);
        int status = new ModelDoctorService().check(line, line.has("--json"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void printsTheExactParameterCountOfEveryFolderKind(@TempDir Path tmp) throws Exception {
        for (boolean nested : new boolean[] {false, true}) {
            for (boolean tied : new boolean[] {true, false}) {
                for (String dtype : new String[] {"F32", "BF16"}) {
                    for (boolean sharded : new boolean[] {false, true}) {
                        String kind = (nested ? "nested" : "flat") + "-" + (tied ? "tied" : "untied") + "-" + dtype + "-"
                                + (sharded ? "sharded" : "single");
                        Path dir = tmp.resolve(kind);
                        ModelFolderKindsTest.writeFolder(dir, nested, tied, dtype, sharded);
                        long expected = ModelFolderKindsTest.expectedParameters(700, 64, 96, 2, 4, 2, tied, 1, 32, 2,
                                1176);
                        Run text = doctor("--model", dir.toString(), "--device-memory", "4");
                        assertEquals(0, text.status(), kind + ": " + text.out() + text.err());
                        assertTrue(text.out().contains(String.format("Parameters   %,d (sum of", expected)),
                                kind + ": " + text.out());
                        assertTrue(text.out().contains("{" + dtype + "="), kind + ": " + text.out());
                        JsonObject json = JsonParser.parseString(doctor("--model", dir.toString(), "--device-memory", "4",
                                "--json").out()).getAsJsonObject();
                        assertEquals(expected, json.get("parameters").getAsLong(), kind);
                        assertEquals(tied, json.getAsJsonObject("architecture").get("tie_word_embeddings").getAsBoolean());
                        assertEquals(sharded ? 3 : 1, Math.min(3, json.getAsJsonArray("files").size()), kind);
                    }
                }
            }
        }
    }

    @Test
    void trainingQwen2Vl2bWithAdamWInFloat32DoesNotFitIn24GiB(@TempDir Path tmp) throws Exception {
        KnownConfigs.write(tmp, KnownConfigs.QWEN2_VL_2B_INSTRUCT);
        Run run = doctor("--model", tmp.toString(), "--device-memory", "24", "--batch", "1", "--generations", "8",
                "--max-length", "512");
        assertEquals(1, run.status(), run.out() + run.err());
        assertTrue(run.out().contains("Parameters   2,208,985,600 (sum of the"), run.out());
        assertTrue(run.out().contains("Verdict      does not fit"), run.out());
        // 2.21 B x (4 weights + 4 gradients + 8 AdamW moments + 4 reference) bytes = 41.1 GiB before any activation.
        assertTrue(run.out().contains("alone need 41.15 GiB") && run.out().contains("float32"), run.out());
        JsonObject memory = JsonParser.parseString(doctor("--model", tmp.toString(), "--device-memory", "24", "--json")
                .out()).getAsJsonObject().getAsJsonObject("memory");
        assertEquals(2_208_985_600L * 20, memory.get("persistent").getAsLong());
        assertEquals("does not fit", memory.get("verdict").getAsString());
        // The same run on an 80 GiB device fits.
        assertEquals(0, doctor("--model", tmp.toString(), "--device-memory", "80", "--batch", "1", "--generations", "8",
                "--max-length", "512", "--micro-batch", "1").status());
    }

    /**
     * bfloat16 on a GPU (its default there): weights 2 B, gradients as held (2 B, plus 4 B of
     * float32 sums with micro-batches), AdamW 8 B of moments plus the 4 B float32 master, the
     * reference 2 B. On 80 GiB the paper's 2B run fits; the 7B does not (its per-parameter state
     * alone is 8.29 B x 18 B = 139 GiB).
     */
    @Test
    void bfloat16CountsTwoByteWeightsAndFloat32MastersAnd2bFitsOn80GiBWhere7bDoesNot(@TempDir Path tmp)
            throws Exception {
        Path two = tmp.resolve("2b");
        Path seven = tmp.resolve("7b");
        KnownConfigs.write(two, KnownConfigs.QWEN2_VL_2B_INSTRUCT);
        KnownConfigs.write(seven, KnownConfigs.QWEN2_VL_7B_INSTRUCT);
        long p = 2_208_985_600L;
        JsonObject m = JsonParser.parseString(doctor("--model", two.toString(), "--device", "cuda:0", "--device-memory",
                "80", "--batch", "1", "--generations", "8", "--max-length", "512", "--micro-batch", "1", "--json").out())
                .getAsJsonObject().getAsJsonObject("memory");
        assertEquals("bfloat16", m.get("dtype").getAsString(), "bfloat16 by default on cuda");
        assertEquals(2 * p, m.get("weights").getAsLong());
        assertEquals(6 * p, m.get("gradients").getAsLong(), "bfloat16 .grad plus float32 sums over micro-batches");
        assertEquals(12 * p, m.get("adam_moments").getAsLong(), "two float32 moments and the float32 master");
        assertEquals(2 * p, m.get("reference").getAsLong());
        assertEquals("fits", m.get("verdict").getAsString());
        JsonObject single = JsonParser.parseString(doctor("--model", two.toString(), "--dtype", "bfloat16",
                "--device-memory", "80", "--batch", "1", "--generations", "8", "--max-length", "512", "--json").out())
                .getAsJsonObject().getAsJsonObject("memory");
        assertEquals(2 * p, single.get("gradients").getAsLong(), "one pass per step: no float32 sums");
        Run big = doctor("--model", seven.toString(), "--device", "cuda:0", "--device-memory", "80", "--batch", "1",
                "--generations", "8", "--max-length", "512", "--micro-batch", "1");
        assertEquals(1, big.status(), big.out());
        assertTrue(big.out().contains("Verdict      does not fit") && big.out().contains("bfloat16"), big.out());
        assertTrue(big.out().contains("AdamW state") && big.out().contains("master copies"), big.out());
        Exception bad = org.junit.jupiter.api.Assertions.assertThrows(io.mr1.core.cli.UsageException.class,
                () -> doctor("--model", two.toString(), "--dtype", "float16"));
        assertTrue(bad.getMessage().contains("--dtype must be float32 or bfloat16"), bad.getMessage());
    }
}
