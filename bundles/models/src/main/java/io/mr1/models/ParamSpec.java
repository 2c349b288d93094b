package io.mr1.models;

/**
 * A parameter a model declares: its shape and how a fresh model initialises it.
 *
 * @param shape the shape (Hugging Face layout: linear weights are [out, in])
 * @param init initialisation
 */
public record ParamSpec(long[] shape, Init init) {

    /** How a parameter starts. */
    public enum Init {
        /** Normal with std 0.02 (Qwen2's initializer_range). */
        NORMAL,
        /** All ones (norm weights). */
        ONES,
        /** All zeros (biases). */
        ZEROS
    }

    /** @return the element count */
    public long size() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
