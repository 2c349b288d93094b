package io.mr1.models;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Function;

/**
 * The tokens that end a completion and pad a batch, as a Hugging Face model folder names them.
 * Generation stops at any of {@code generation_config.json}'s {@code eos_token_id} (an id or a
 * list; Qwen2-VL-Instruct lists {@code <|im_end|>} and {@code <|endoftext|>}), or
 * {@code config.json}'s when that file is absent, and always at {@code tokenizer_config.json}'s
 * {@code eos_token} (what R1-V's trainer masks completions with). Padding is the tokenizer's
 * {@code pad_token}, else {@code generation_config.json}'s {@code pad_token_id}, else
 * {@code config.json}'s.
 *
 * @param eosIds the ids that end a completion, the first being the main one
 * @param padId the padding id
 */
public record SpecialTokens(int[] eosIds, int padId) {

    /** Generation defaults of a model folder. */
    public static final String GENERATION_CONFIG = "generation_config.json";
    /** Tokenizer settings of a model folder (eos and pad tokens as text). */
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";

    /**
     * @param eosIds the ids that end a completion (at least one)
     * @param padId the padding id
     */
    public SpecialTokens {
        if (eosIds.length == 0) {
            throw new IllegalArgumentException("at least one end-of-sequence id is needed");
        }
        eosIds = eosIds.clone();
    }

    /**
     * Only what config.json says.
     *
     * @param config the model
     * @return its eos and pad ids
     */
    public static SpecialTokens of(ModelConfig config) {
        return new SpecialTokens(new int[] {config.eosTokenId()}, config.padTokenId());
    }

    /**
     * Reads a model folder's generation and tokenizer configs (each optional).
     *
     * @param folder the model folder
     * @param config its config.json
     * @param encode the folder's tokenizer (text to ids), to turn the tokenizer config's token text into ids
     * @return the special tokens
     * @throws IOException if a file cannot be read, is not JSON, has a key of the wrong type, or
     *     names a token the tokenizer does not have as one token (the message names file and key)
     */
    public static SpecialTokens read(Path folder, ModelConfig config, Function<String, long[]> encode)
            throws IOException {
        Set<Integer> eos = new LinkedHashSet<>();
        Integer pad = null;
        Path generation = folder.resolve(GENERATION_CONFIG);
        JsonObject g = Files.isRegularFile(generation) ? object(generation) : null;
        if (g != null && g.has("eos_token_id") && !g.get("eos_token_id").isJsonNull()) {
            JsonElement e = g.get("eos_token_id");
            if (e.isJsonArray()) {
                for (JsonElement id : e.getAsJsonArray()) {
                    eos.add(id(generation, "eos_token_id", id, config));
                }
            } else {
                eos.add(id(generation, "eos_token_id", e, config));
            }
        } else {
            eos.add(config.eosTokenId());
        }
        Path tokenizer = folder.resolve(TOKENIZER_CONFIG);
        JsonObject t = Files.isRegularFile(tokenizer) ? object(tokenizer) : null;
        if (t != null) {
            Integer tokenizerEos = token(tokenizer, t, "eos_token", encode, config);
            if (tokenizerEos != null) {
                eos.add(tokenizerEos);
            }
            pad = token(tokenizer, t, "pad_token", encode, config);
        }
        if (pad == null && g != null && g.has("pad_token_id") && !g.get("pad_token_id").isJsonNull()) {
            pad = id(generation, "pad_token_id", g.get("pad_token_id"), config);
        }
        return new SpecialTokens(eos.stream().mapToInt(Integer::intValue).toArray(),
                pad == null ? config.padTokenId() : pad);
    }

    /** @return whether {@code id} ends a completion */
    public boolean isEos(int id) {
        for (int e : eosIds) {
            if (e == id) {
                return true;
            }
        }
        return false;
    }

    /** @return the main end-of-sequence id (the first) */
    public int eos() {
        return eosIds[0];
    }

    @Override
    public int[] eosIds() {
        return eosIds.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SpecialTokens s && Arrays.equals(eosIds, s.eosIds) && padId == s.padId;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(eosIds) + padId;
    }

    @Override
    public String toString() {
        return "SpecialTokens[eos=" + Arrays.toString(eosIds) + ", pad=" + padId + "]";
    }

    private static JsonObject object(Path file) throws IOException {
        try {
            JsonElement root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!root.isJsonObject()) {
                throw new IOException(file + ": not a JSON object");
            }
            return root.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    private static int id(Path file, String key, JsonElement e, ModelConfig config) throws IOException {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IOException(file + ": key " + key + " must be a token id or a list of ids, got " + e);
        }
        double d = e.getAsDouble();
        if (d != Math.rint(d) || d < 0 || d >= config.vocabSize()) {
            throw new IOException(file + ": key " + key + " = " + e + " is not a token id of a model with "
                    + config.vocabSize() + " tokens");
        }
        return (int) d;
    }

    /** A token given as text (or as {"content": text}), looked up with the tokenizer; null when absent. */
    private static Integer token(Path file, JsonObject json, String key, Function<String, long[]> encode,
                                 ModelConfig config) throws IOException {
        if (!json.has(key) || json.get(key).isJsonNull()) {
            return null;
        }
        JsonElement e = json.get(key);
        if (e.isJsonObject() && e.getAsJsonObject().has("content")) {
            e = e.getAsJsonObject().get("content");
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new IOException(file + ": key " + key + " must be the token's text, got " + json.get(key));
        }
        String text = e.getAsString();
        long[] ids = encode.apply(text);
        if (ids.length != 1) {
            throw new IOException(file + ": " + key + " \"" + text + "\" is not one token of the tokenizer (it encodes to "
                    + Arrays.toString(ids) + ")");
        }
        if (ids[0] < 0 || ids[0] >= config.vocabSize()) {
            throw new IOException(file + ": " + key + " \"" + text + "\" is token " + ids[0] + ", beyond the model's "
                    + config.vocabSize() + " tokens");
        }
        return (int) ids[0];
    }
}
