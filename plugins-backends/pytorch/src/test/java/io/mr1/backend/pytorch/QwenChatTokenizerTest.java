package io.mr1.backend.pytorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mr1.backend.pytorchnatives.HfTokenizer;
import io.mr1.models.ChatTemplate;
import io.mr1.models.ImageProcessor;
import io.mr1.models.ImageProcessorConfig;
import io.mr1.models.ModelConfig;
import io.mr1.models.PatchedImage;
import io.mr1.models.SpecialTokens;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chat format on the real Qwen byte-level BPE tokenizer (../shared/fixtures/qwen-tokenizer)
 * through DJL. The oracle, {@code qwen-chat/qwen-chat-oracle.json}, was made once by
 * {@code qwen-chat/oracle.py}: Qwen2-VL-Instruct's own jinja chat template rendered with jinja2,
 * image pads expanded from transformers' grid (the parity fixture's), ids from the Hugging Face
 * {@code tokenizers} Python package.
 */
class QwenChatTokenizerTest {

    private static final Path SHARED = Path.of("../../../shared");
    private static final Path TOKENIZER = SHARED.resolve("fixtures/qwen-tokenizer/tokenizer.json");
    private static final Path IMAGE = SHARED.resolve("data/real/superclevr-samples/images/superCLEVR_new_000000.png");
    private static final String R1V = "{question}  Output the thinking process in <think> </think> and final answer "
            + "(number) in <answer> </answer> tags.";

    private static HfTokenizer tokenizer;

    @BeforeAll
    static void open() {
        tokenizer = HfTokenizer.open(TOKENIZER);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private static JsonObject oracle() throws IOException {
        try (InputStream in = QwenChatTokenizerTest.class.getResourceAsStream("/qwen-chat/qwen-chat-oracle.json")) {
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    private static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    @Test
    void r1vCountingPromptHasTheExactIdsWithPlaceholdersFromTheGrid() throws IOException {
        JsonObject oracle = oracle();
        String question = oracle.get("question").getAsString();
        ModelConfig.VisionConfig vision = new ModelConfig.VisionConfig(32, 1280, 16, 4, 14, 2, 2, 3);
        for (JsonElement e : oracle.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            int maxPixels = c.get("max_pixels").getAsInt();
            PatchedImage image = new ImageProcessor(ImageProcessorConfig.of(vision,
                    ImageProcessorConfig.DEFAULT_MIN_PIXELS, maxPixels)).read(IMAGE);
            assertArrayEquals(longs(c.getAsJsonArray("grid_thw")), Arrays.stream(image.gridThw()).asLongStream()
                    .toArray());
            int tokens = image.tokens(vision.spatialMergeSize());
            assertEquals(c.get("image_tokens").getAsInt(), tokens);
            String prompt = ChatTemplate.render(R1V.replace("{question}", question), List.of(tokens));
            assertEquals(c.get("text").getAsString(), prompt, "the rendered template, character for character");
            long[] ids = tokenizer.encode(prompt);
            assertArrayEquals(longs(c.getAsJsonArray("ids")), ids, c.get("setting").getAsString());
            assertEquals(tokens, LongStream.of(ids).filter(id -> id == 151655).count(), "one <|image_pad|> each");
            assertEquals(3, LongStream.of(ids).filter(id -> id == 151644).count(), "<|im_start|> never split");

            // An SFT target appended to the prompt: what the template gives for the whole conversation
            // (which closes the assistant turn with a newline after <|im_end|>).
            long[] target = tokenizer.encode(ChatTemplate.target(c.get("answer").getAsString()));
            assertEquals(151645, target[target.length - 1], "a target ends with <|im_end|>");
            long[] conversation = LongStream.concat(LongStream.concat(LongStream.of(ids), LongStream.of(target)),
                    LongStream.of(198)).toArray();
            assertArrayEquals(longs(c.getAsJsonArray("conversation_ids")), conversation);
        }
    }

    /** Every real model output of the R1-V evaluation files. */
    private static List<String> realCompletions() throws IOException {
        List<String> out = new ArrayList<>();
        Path dir = SHARED.resolve("data/real/r1v-eval");
        try (var files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith("_legacy.json")).sorted().toList()) {
                JsonElement root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
                JsonArray results = root.isJsonArray() ? root.getAsJsonArray()
                        : root.getAsJsonObject().getAsJsonArray("results");
                for (JsonElement r : results) {
                    JsonObject o = r.getAsJsonObject();
                    if (o.has("model_output") && o.get("model_output").isJsonPrimitive()) {
                        out.add(o.get("model_output").getAsString());
                    }
                }
            }
        }
        return out;
    }

    @Test
    void realCompletionsRoundTripWithoutTheTemplate() throws IOException {
        List<String> completions = realCompletions();
        assertTrue(completions.size() >= 1000, "four files of 200 and 754 outputs, got " + completions.size());
        int multiByte = 0;
        for (String text : completions) {
            long[] ids = tokenizer.encode(text);
            assertEquals(text, tokenizer.decode(ids));
            long[] sampled = tokenizer.encode(ChatTemplate.target(text));
            assertEquals(151645, sampled[sampled.length - 1]);
            assertEquals(text, tokenizer.decode(sampled), "the end of the turn is not part of the decoded text");
            if (text.codePoints().anyMatch(cp -> cp > 127)) {
                multiByte++;
            }
        }
        assertTrue(multiByte > 0, "some outputs have non-ASCII text (degree signs, LaTeX symbols)");
    }

    @Test
    void eosAndPadComeFromTheTokenizerConfig(@TempDir Path tmp) throws IOException {
        // The parity fixture's config with Qwen2-VL-2B's vocabulary size.
        JsonObject json = JsonParser.parseString(Files.readString(
                SHARED.resolve("fixtures/qwen2vl-hf/qwen2vl-tiny-pub/config.json"))).getAsJsonObject();
        json.addProperty("vocab_size", 151936);
        Files.writeString(tmp.resolve("config.json"), json.toString());
        ModelConfig config = ModelConfig.read(tmp.resolve("config.json"));
        Files.copy(SHARED.resolve("fixtures/qwen-tokenizer/tokenizer_config.json"),
                tmp.resolve(SpecialTokens.TOKENIZER_CONFIG));
        Files.writeString(tmp.resolve(SpecialTokens.GENERATION_CONFIG),
                "{\"eos_token_id\": [151645, 151643], \"pad_token_id\": 151643}");
        SpecialTokens special = SpecialTokens.read(tmp, config, tokenizer::encode);
        assertArrayEquals(new int[] {151645, 151643}, special.eosIds());
        assertEquals(151643, special.padId());
    }
}
