package io.mr1.models;

import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.List;

/**
 * Keys and values of every decoder layer for the tokens seen so far, so each new token
 * costs one forward step instead of a full re-run. Entries are [B, kvHeads, 1, S, headDim]
 * after rotary embedding.
 *
 * <p>A cache made with a capacity (decoding, where the final length is known) preallocates
 * one buffer per layer and writes each new token's keys and values into it in place
 * ({@link Tensor#writeInPlace}), handing the attention a view of the filled part; without a
 * capacity, on an engine without in-place writes, or under autograd (scoring and training,
 * which make caches without one) it grows by concatenation, which copies the whole cache
 * every step.
 */
public final class KvCache {

    private final Tensor[] keys;
    private final Tensor[] values;
    private final Tensor[] keyBuffers;
    private final Tensor[] valueBuffers;
    private long capacity;
    private long length;

    /**
     * An empty cache that grows by concatenation.
     *
     * @param layers number of decoder layers
     */
    public KvCache(int layers) {
        this(layers, 0);
    }

    /**
     * An empty cache with room for {@code capacity} tokens, written in place where the engine can.
     * Use it only outside autograd (decoding).
     *
     * @param layers number of decoder layers
     * @param capacity the most tokens it will hold (0: grow by concatenation)
     */
    public KvCache(int layers, long capacity) {
        this.keys = new Tensor[layers];
        this.values = new Tensor[layers];
        this.keyBuffers = new Tensor[layers];
        this.valueBuffers = new Tensor[layers];
        this.capacity = capacity;
    }

    /** @return tokens cached so far */
    public long length() {
        return length;
    }

    /**
     * Adds one layer's keys and values of the new tokens (at the cache's current length).
     *
     * @param f the engine's factory
     * @param layer the layer
     * @param k [B, kvHeads, 1, T, d]
     * @param v same shape
     * @return every key and value the new tokens attend to: [B, kvHeads, 1, length + T, d] each
     */
    Tensor[] append(TensorFactory f, int layer, Tensor k, Tensor v) {
        long t = k.shape()[3];
        if (capacity > 0 && length + t <= capacity) {
            if (keyBuffers[layer] == null) {
                long[] shape = k.shape().clone();
                shape[3] = capacity;
                keyBuffers[layer] = f.zerosLike(k, shape);
                valueBuffers[layer] = f.zerosLike(v, shape);
            }
            if (keyBuffers[layer].writeInPlace(3, length, k) && valueBuffers[layer].writeInPlace(3, length, v)) {
                keys[layer] = keyBuffers[layer].slice(3, 0, length + t);
                values[layer] = valueBuffers[layer].slice(3, 0, length + t);
                return new Tensor[] {keys[layer], values[layer]};
            }
            capacity = 0; // no in-place writes on this engine: concatenate from here on
        }
        if (length > 0) {
            k = f.concat(List.of(keys[layer], k), 3);
            v = f.concat(List.of(values[layer], v), 3);
        }
        keys[layer] = k;
        values[layer] = v;
        return new Tensor[] {k, v};
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
        return repeatRows(f, source, 0);
    }

    /**
     * As {@link #repeatRows(TensorFactory, int[])}, into a cache with room for {@code capacity}
     * tokens (written in place from then on where the engine can; decoding only).
     *
     * @param f tensor factory of the cache's engine
     * @param source for every row of the new cache, the row of this cache it copies
     * @param capacity the most tokens the new cache will hold (0: grow by concatenation)
     * @return the new cache, of the same length
     */
    public KvCache repeatRows(TensorFactory f, int[] source, long capacity) {
        long[] index = new long[source.length];
        for (int r = 0; r < source.length; r++) {
            index[r] = source[r];
        }
        Tensor rows = f.indices(index, index.length);
        KvCache out = new KvCache(keys.length, capacity);
        for (int layer = 0; layer < keys.length; layer++) {
            out.append(f, layer, gatherRows(keys[layer], rows), gatherRows(values[layer], rows));
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
