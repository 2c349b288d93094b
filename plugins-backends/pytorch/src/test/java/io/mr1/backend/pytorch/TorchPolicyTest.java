package io.mr1.backend.pytorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.backend.Policy;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import io.mr1.models.SpecialTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchPolicyTest {

    @Test
    void smokeTestAndInfoReportTheEngine() {
        TorchBackend backend = new TorchBackend();
        assertNull(backend.smokeTest());
        assertEquals("2.7.1", backend.info().engineVersion());
        assertTrue(backend.info().devices().contains("cpu"));
    }

    @Test
    void samplesScoresAndReproduces(@TempDir Path tmp) throws Exception {
        Path model = TinyFixture.create(tmp.resolve("m"), 1);
        try (Policy policy = new TorchBackend().load(model, "cpu")) {
            List<Prompt> prompts = List.of(Prompt.text("a", "how many items are there ?"),
                    Prompt.text("b", "count the objects"));
            SamplingParams params = new SamplingParams(3, 1.0, 1.0, 0, 8, 42);
            List<List<Completion>> first = policy.sample(prompts, params);
            List<List<Completion>> again = policy.sample(prompts, params);
            assertEquals(2, first.size());
            assertEquals(3, first.get(0).size());
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    assertArrayEquals(first.get(i).get(j).tokenIds(), again.get(i).get(j).tokenIds());
                }
            }
            Completion c = first.get(1).get(2);
            List<float[]> lp = policy.logProbs(List.of(prompts.get(1)), List.of(c));
            assertArrayEquals(c.logProbs(), lp.get(0), 1e-4f, "sampling log-probs equal a scoring pass");
        }
    }

    @Test
    void completionsStopAtEveryEosOfTheGenerationConfigAndSavesKeepItsFiles(@TempDir Path tmp) throws Exception {
        Path model = TinyFixture.create(tmp.resolve("m"), 1);
        List<Prompt> prompts = List.of(Prompt.text("a", "how many items are there ?"));
        SamplingParams params = new SamplingParams(3, 1.0, 1.0, 0, 8, 42);
        int first;
        try (Policy policy = new TorchBackend().load(model, "cpu")) {
            Completion c = policy.sample(prompts, params).get(0).get(0);
            assertTrue(c.length() > 1, "random weights rarely end at once");
            first = c.tokenIds()[0];
        }
        Files.writeString(model.resolve(SpecialTokens.GENERATION_CONFIG), "{\"eos_token_id\": [3, " + first + "]}");
        Files.writeString(model.resolve(SpecialTokens.TOKENIZER_CONFIG),
                "{\"eos_token\": \"<|im_end|>\", \"pad_token\": \"<|endoftext|>\"}");
        try (Policy policy = new TorchBackend().load(model, "cpu")) {
            Completion c = policy.sample(prompts, params).get(0).get(0);
            assertArrayEquals(new int[] {first}, c.tokenIds(), "the same first token now ends the completion");
            assertTrue(c.endedWithEos());
            policy.save(tmp.resolve("saved"), false);
        }
        for (String file : List.of(SpecialTokens.GENERATION_CONFIG, SpecialTokens.TOKENIZER_CONFIG)) {
            assertEquals(Files.readString(model.resolve(file)), Files.readString(tmp.resolve("saved").resolve(file)));
        }
        Files.writeString(model.resolve(SpecialTokens.TOKENIZER_CONFIG), "{\"eos_token\": \"</s>\"}");
        IOException e = assertThrows(IOException.class, () -> new TorchBackend().load(model, "cpu").close());
        assertTrue(e.getMessage().contains(SpecialTokens.TOKENIZER_CONFIG) && e.getMessage().contains("eos_token"),
                e.getMessage());
    }

    /** A run that prunes old checkpoints can delete the folder a policy was loaded from before it saves again. */
    @Test
    void savingWorksAfterTheLoadedFolderIsDeleted(@TempDir Path tmp) throws Exception {
        Path model = TinyFixture.create(tmp.resolve("m"), 3);
        byte[] tokenizer = Files.readAllBytes(model.resolve("tokenizer.json"));
        try (Policy policy = new TorchBackend().load(model, "cpu")) {
            io.mr1.models.Checkpoints.deleteRecursively(model);
            Path saved = tmp.resolve("saved");
            policy.save(saved, true);
            assertArrayEquals(tokenizer, Files.readAllBytes(saved.resolve("tokenizer.json")));
            try (Policy again = new TorchBackend().load(saved, "cpu")) {
                assertEquals(policy.parameterCount(), again.parameterCount());
            }
        }
    }
}
