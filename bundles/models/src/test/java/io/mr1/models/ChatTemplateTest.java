package io.mr1.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Qwen2-VL's ChatML prompt text and the special tokens a model folder names. */
class ChatTemplateTest {

    @Test
    void promptIsQwen2VlChatMlWithOnePadPerMergedToken() {
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
                + "<|vision_start|><|image_pad|><|image_pad|><|image_pad|><|vision_end|>How many?<|im_end|>\n"
                + "<|im_start|>assistant\n", ChatTemplate.render("How many?", List.of(3)));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.render("Be brief.", "Hi", List.of()));
        String two = ChatTemplate.render("q", List.of(391, 12));
        assertEquals(403, two.split("<\\|image_pad\\|>", -1).length - 1);
        assertEquals(2, two.split("<\\|vision_start\\|>", -1).length - 1);
        assertEquals("<answer>4</answer><|im_end|>", ChatTemplate.target("<answer>4</answer>"));
        assertThrows(IllegalArgumentException.class, () -> ChatTemplate.render("q", List.of(0)));
    }

    @Test
    void wordLevelVocabulariesHoldTheTemplatesWords() {
        Map<String, Integer> vocab = WordLevelTokenizerJson.vocabulary(List.of("count", "a"));
        assertTrue(vocab.keySet().containsAll(ChatTemplate.WORDS), vocab.toString());
        assertEquals(WordLevelTokenizerJson.SPECIAL.size(), vocab.get("count"), "the caller's words come first");
        assertEquals(WordLevelTokenizerJson.SPECIAL.size() + 1, vocab.get("a"));
    }

    private static ModelConfig config() {
        return ModelConfig.tiny(WordLevelTokenizerJson.vocabulary(List.of("x")));
    }

    /** A stand-in tokenizer that knows two tokens. */
    private static long[] encode(String text) {
        return switch (text) {
            case "<|im_end|>" -> new long[] {3};
            case "<|endoftext|>" -> new long[] {0};
            default -> new long[] {1, 1};
        };
    }

    @Test
    void specialTokensComeFromGenerationAndTokenizerConfigs(@TempDir Path tmp) throws IOException {
        ModelConfig config = config();
        assertEquals(SpecialTokens.of(config), SpecialTokens.read(tmp, config, ChatTemplateTest::encode),
                "without either file config.json decides");
        Files.writeString(tmp.resolve(SpecialTokens.GENERATION_CONFIG),
                "{\"eos_token_id\": [4, 0], \"pad_token_id\": 2, \"temperature\": 0.01}");
        SpecialTokens generation = SpecialTokens.read(tmp, config, ChatTemplateTest::encode);
        assertArrayEquals(new int[] {4, 0}, generation.eosIds());
        assertEquals(2, generation.padId());
        assertTrue(generation.isEos(0) && generation.isEos(4) && !generation.isEos(3));
        Files.writeString(tmp.resolve(SpecialTokens.TOKENIZER_CONFIG),
                "{\"eos_token\": {\"content\": \"<|im_end|>\"}, \"pad_token\": \"<|endoftext|>\"}");
        SpecialTokens both = SpecialTokens.read(tmp, config, ChatTemplateTest::encode);
        assertArrayEquals(new int[] {4, 0, 3}, both.eosIds(), "the tokenizer's eos also ends a completion");
        assertEquals(0, both.padId(), "the tokenizer's pad token wins");
    }

    @Test
    void badSpecialTokensNameFileAndKey(@TempDir Path tmp) throws IOException {
        ModelConfig config = config();
        Files.writeString(tmp.resolve(SpecialTokens.GENERATION_CONFIG), "{\"eos_token_id\": \"three\"}");
        IOException e = assertThrows(IOException.class, () -> SpecialTokens.read(tmp, config, ChatTemplateTest::encode));
        assertTrue(e.getMessage().contains(SpecialTokens.GENERATION_CONFIG) && e.getMessage().contains("eos_token_id"),
                e.getMessage());
        Files.writeString(tmp.resolve(SpecialTokens.GENERATION_CONFIG), "{\"eos_token_id\": 999999}");
        e = assertThrows(IOException.class, () -> SpecialTokens.read(tmp, config, ChatTemplateTest::encode));
        assertTrue(e.getMessage().contains("999999") && e.getMessage().contains("not a token id"), e.getMessage());
        Files.delete(tmp.resolve(SpecialTokens.GENERATION_CONFIG));
        Files.writeString(tmp.resolve(SpecialTokens.TOKENIZER_CONFIG), "{\"eos_token\": \"</s>\"}");
        e = assertThrows(IOException.class, () -> SpecialTokens.read(tmp, config, ChatTemplateTest::encode));
        assertTrue(e.getMessage().contains(SpecialTokens.TOKENIZER_CONFIG) && e.getMessage().contains("eos_token")
                && e.getMessage().contains("not one token"), e.getMessage());
        Files.writeString(tmp.resolve(SpecialTokens.TOKENIZER_CONFIG), "{\"eos_token\": ");
        e = assertThrows(IOException.class, () -> SpecialTokens.read(tmp, config, ChatTemplateTest::encode));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }
}
