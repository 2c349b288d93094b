package io.mr1.backend.pytorchnatives;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A checkpoint's {@code tokenizer.json} through the Hugging Face tokenizers library (Rust,
 * offline) that this bundle embeds, as every mr1 backend uses it: no special tokens added (the
 * chat template is rendered in text), no padding and no truncation (the library truncates at
 * 512 tokens unless told otherwise, which would cut a Qwen2-VL prompt with a large image), and
 * special tokens skipped when decoding. One implementation for all backends, so they cut text
 * into the same ids; an adapter hands {@link #encode}, {@link #decode} and {@link #close} to
 * its policy's tokenizer interface (this bundle wires to nothing that could be refreshed, so
 * it implements no mr1 interface itself).
 */
public final class HfTokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer tokenizer;

    private HfTokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /**
     * Reads a tokenizer file.
     *
     * @param file a {@code tokenizer.json}
     * @return the tokenizer (close it to free its native memory)
     * @throws UncheckedIOException naming the file when it cannot be read or parsed (a parse error too)
     */
    public static HfTokenizer open(Path file) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        // the library finds its native code through the context class loader: this bundle's
        thread.setContextClassLoader(DjlRuntime.classLoader());
        try {
            return new HfTokenizer(HuggingFaceTokenizer.newInstance(file,
                    Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // The library reports a file it cannot parse by the parser's words alone ("invalid type ... at line 1").
            String message = "cannot read tokenizer " + file + ": " + e.getMessage();
            throw new UncheckedIOException(message, new IOException(message, e));
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * @param text text, special-token markers included (they are never split)
     * @return its token ids, no special tokens added
     */
    public long[] encode(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    /**
     * @param ids token ids
     * @return the text, special tokens skipped
     */
    public String decode(long[] ids) {
        return tokenizer.decode(ids, true);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
