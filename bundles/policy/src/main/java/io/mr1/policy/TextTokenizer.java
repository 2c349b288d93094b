package io.mr1.policy;

import java.util.function.Function;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The tokenizer of a checkpoint folder ({@code tokenizer.json}), as the policy uses it: no
 * special tokens are added, the chat template is rendered in text before encoding.
 */
@ConsumerType
public interface TextTokenizer extends AutoCloseable {

    /**
     * @param text text, special-token markers included
     * @return its token ids
     */
    long[] encode(String text);

    /**
     * @param ids token ids
     * @return the text, special tokens skipped
     */
    String decode(long[] ids);

    /** Releases native resources. */
    @Override
    void close();

    /**
     * A tokenizer from its three operations, such as a tokenizer library's object that cannot
     * implement this interface itself (a resident natives bundle wires to no mr1 package).
     *
     * @param encode text to ids
     * @param decode ids to text
     * @param close releases native resources
     * @return the tokenizer
     * @since 1.2
     */
    static TextTokenizer of(Function<String, long[]> encode, Function<long[], String> decode, Runnable close) {
        return new TextTokenizer() {
            @Override
            public long[] encode(String text) {
                return encode.apply(text);
            }

            @Override
            public String decode(long[] ids) {
                return decode.apply(ids);
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }
}
