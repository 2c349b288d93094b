package io.mr1.backend.pytorch;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.mr1.policy.TextTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A checkpoint's {@code tokenizer.json} through DJL's Hugging Face tokenizers (Rust, offline):
 * no special tokens added, no padding and no truncation (DJL truncates at 512 tokens unless told
 * otherwise, which would cut a Qwen2-VL prompt with a large image).
 */
final class DjlTokenizer implements TextTokenizer {

    private final HuggingFaceTokenizer tokenizer;

    private DjlTokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    static DjlTokenizer open(Path file) {
        try {
            return new DjlTokenizer(HuggingFaceTokenizer.newInstance(file,
                    Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long[] encode(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    @Override
    public String decode(long[] ids) {
        return tokenizer.decode(ids, true);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
