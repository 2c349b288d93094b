package io.mr1.models;

import io.mr1.tensor.Tensor;

/**
 * Keys and values of every decoder layer for the tokens seen so far, so each new token
 * costs one forward step instead of a full re-run. Entries are [B, kvHeads, 1, S, headDim]
 * after rotary embedding.
 */
public final class KvCache {

    private final Tensor[] keys;
    private final Tensor[] values;
    private long length;

    /**
     * An empty cache.
     *
     * @param layers number of decoder layers
     */
    public KvCache(int layers) {
        this.keys = new Tensor[layers];
        this.values = new Tensor[layers];
    }

    /** @return tokens cached so far */
    public long length() {
        return length;
    }

    Tensor keys(int layer) {
        return keys[layer];
    }

    Tensor values(int layer) {
        return values[layer];
    }

    void put(int layer, Tensor k, Tensor v) {
        keys[layer] = k;
        values[layer] = v;
    }

    void advance(long tokens) {
        length += tokens;
    }
}
