package io.mr1.backend.pytorchnatives;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backends' shared tokenizer on the real Qwen tokenizer (../shared/fixtures/qwen-tokenizer). */
class HfTokenizerTest {

    private static final Path TOKENIZER = Path.of("../../../shared/fixtures/qwen-tokenizer/tokenizer.json");

    @Test
    void longPromptsAreNotTruncatedAt512Tokens() {
        // DJL's HuggingFace tokenizer truncates at 512 tokens unless told not to: a Qwen2-VL
        // prompt with a large image is longer than that.
        try (HfTokenizer tokenizer = HfTokenizer.open(TOKENIZER)) {
            String sentence = "count the objects in the image please.";
            int one = tokenizer.encode(sentence).length;
            long[] ids = tokenizer.encode((sentence + " ").repeat(299) + sentence);
            assertTrue(ids.length > 512, "ids: " + ids.length);
            assertTrue(ids.length >= 299 * one, "ids: " + ids.length + " for 300 sentences of " + one);
        }
    }

    @Test
    void aTokenizerFileTheLibraryCannotParseIsAnErrorNamingIt(@TempDir Path tmp) throws Exception {
        Path broken = Files.writeString(tmp.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": 3}}");
        RuntimeException e = assertThrows(RuntimeException.class, () -> HfTokenizer.open(broken).close());
        assertTrue(e.getMessage().contains(broken.toString()), e.getMessage());
    }
}
