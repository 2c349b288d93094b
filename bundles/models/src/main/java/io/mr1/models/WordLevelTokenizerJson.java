package io.mr1.models;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a word-level Hugging Face {@code tokenizer.json} for the tiny models: the chat
 * markers, the vision markers and the {@code <think>}/{@code <answer>} tags are added
 * tokens (matched before splitting), the rest is split on whitespace and punctuation and
 * looked up in the word list. Loaded through DJL's Hugging Face tokenizers binding, the
 * same path real Qwen2-VL tokenizers take.
 */
public final class WordLevelTokenizerJson {

    /** Special tokens, ids 0..n-1 in this order. */
    public static final List<String> SPECIAL = List.of("<|endoftext|>", "<unk>", "<|im_start|>", "<|im_end|>",
            "<|vision_start|>", "<|image_pad|>", "<|vision_end|>", "<think>", "</think>", "<answer>", "</answer>");

    /** The padding token. */
    public static final String PAD = "<|endoftext|>";
    /** The end of a turn, which ends a completion. */
    public static final String EOS = "<|im_end|>";
    /** The image placeholder. */
    public static final String IMAGE = "<|image_pad|>";

    private WordLevelTokenizerJson() {
    }

    /**
     * The vocabulary: special tokens, the words in order, then the chat template's own words
     * ({@link ChatTemplate#WORDS}) not among them.
     *
     * @param words words and punctuation marks (duplicates and specials are skipped)
     * @return token to id
     */
    public static Map<String, Integer> vocabulary(List<String> words) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String s : SPECIAL) {
            vocab.put(s, vocab.size());
        }
        for (String w : words) {
            vocab.putIfAbsent(w, vocab.size());
        }
        for (String w : ChatTemplate.WORDS) {
            vocab.putIfAbsent(w, vocab.size());
        }
        return vocab;
    }

    /**
     * Writes tokenizer.json.
     *
     * @param file the file
     * @param vocab token to id, from {@link #vocabulary}
     * @throws IOException if writing fails
     */
    public static void write(Path file, Map<String, Integer> vocab) throws IOException {
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", null);
        root.add("padding", null);
        JsonArray added = new JsonArray();
        for (String s : SPECIAL) {
            JsonObject t = new JsonObject();
            t.addProperty("id", vocab.get(s));
            t.addProperty("content", s);
            t.addProperty("single_word", false);
            t.addProperty("lstrip", false);
            t.addProperty("rstrip", false);
            t.addProperty("normalized", false);
            t.addProperty("special", !s.startsWith("<think") && !s.startsWith("</think")
                    && !s.startsWith("<answer") && !s.startsWith("</answer"));
            added.add(t);
        }
        root.add("added_tokens", added);
        root.add("normalizer", null);
        JsonObject pre = new JsonObject();
        pre.addProperty("type", "Whitespace");
        root.add("pre_tokenizer", pre);
        root.add("post_processor", null);
        root.add("decoder", null);
        JsonObject model = new JsonObject();
        model.addProperty("type", "WordLevel");
        JsonObject v = new JsonObject();
        vocab.forEach(v::addProperty);
        model.add("vocab", v);
        model.addProperty("unk_token", "<unk>");
        root.add("model", model);
        Files.writeString(file, new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create()
                .toJson(root), StandardCharsets.UTF_8);
    }
}
