package io.mr1.policy;

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
}
