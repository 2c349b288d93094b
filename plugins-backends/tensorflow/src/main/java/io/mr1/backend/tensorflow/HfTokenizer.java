package io.mr1.backend.tensorflow;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.mr1.policy.TextTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A checkpoint's {@code tokenizer.json} through the Hugging Face tokenizers library (Rust,
 * offline), which the resident pytorch-natives bundle carries: TensorFlow Java has no
 * tokenizer of its own, and both backends must cut text into the same ids.
 */
final class HfTokenizer implements TextTokenizer {

    private final HuggingFaceTokenizer tokenizer;

    private HfTokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    static HfTokenizer open(Path file) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        // the library finds its native code through the context class loader
        thread.setContextClassLoader(HuggingFaceTokenizer.class.getClassLoader());
        try {
            return new HfTokenizer(HuggingFaceTokenizer.newInstance(file,
                    Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + file + ": " + e.getMessage(), e);
        } finally {
            thread.setContextClassLoader(previous);
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
