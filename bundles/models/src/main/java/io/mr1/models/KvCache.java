package io.mr1.models;

import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;

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

    /**
     * A cache whose row r is this cache's row {@code source[r]}: a prompt shared by several
     * completions (a GRPO group) is run once and its keys and values are repeated. On an
     * autograd engine the gradient flows back through the repetition to the shared prompt.
     *
     * @param f tensor factory of the cache's engine
     * @param source for every row of the new cache, the row of this cache it copies
     * @return the new cache, of the same length
     */
    public KvCache repeatRows(TensorFactory f, int[] source) {
        long[] index = new long[source.length];
        for (int r = 0; r < source.length; r++) {
            index[r] = source[r];
        }
        Tensor rows = f.indices(index, index.length);
        KvCache out = new KvCache(keys.length);
        for (int layer = 0; layer < keys.length; layer++) {
            out.keys[layer] = gatherRows(keys[layer], rows);
            out.values[layer] = gatherRows(values[layer], rows);
        }
        out.length = length;
        return out;
    }

    private static Tensor gatherRows(Tensor t, Tensor rows) {
        long[] shape = t.shape();
        long rest = 1;
        for (int i = 1; i < shape.length; i++) {
            rest *= shape[i];
        }
        long[] outShape = shape.clone();
        outShape[0] = rows.shape()[0];
        return t.reshape(shape[0], rest).rows(rows).reshape(outShape);
    }

    void advance(long tokens) {
        length += tokens;
    }
}
