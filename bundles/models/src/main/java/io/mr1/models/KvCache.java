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
 * one buffer per layer, once the engine has said it writes in place
 * ({@link TensorFactory#writesInPlace}), and writes each new token's keys and values into it
 * ({@link Tensor#writeInPlace}), handing the attention a view of the filled part; without a
 * capacity, on an engine without in-place writes, or under autograd (scoring and training,
 * which make caches without one) it grows by concatenation, which copies the whole cache
 * every step.
 *
 * <p>The model computes a layer's new entries inside that layer's block scope
 * ({@link TensorFactory#keepOnly}) and stores what the block kept ({@link #set}); a caller
 * that runs several passes in one scope of its own keeps the cache across it with
 * {@link #tensors} and {@link #replaceTensors}.
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
     * Allocates the in-place buffers of every layer before the first write, when this cache has a
     * capacity and the engine writes in place; otherwise the cache concatenates from now on and
     * allocates nothing.
     *
     * @param f the engine's factory
     * @param like a tensor in the dtype the keys will have (a key projection's weight): a
     *             bfloat16 model's buffers are bfloat16
     * @param rows B
     * @param kvHeads key/value heads
     * @param headDim head dimension
     */
    void reserve(TensorFactory f, Tensor like, long rows, long kvHeads, long headDim) {
        if (capacity == 0 || keys.length == 0 || keyBuffers[0] != null) {
            return;
        }
        if (!f.writesInPlace()) {
            capacity = 0;
            return;
        }
        for (int layer = 0; layer < keys.length; layer++) {
            keyBuffers[layer] = f.zerosLike(like, rows, kvHeads, 1, capacity, headDim);
            valueBuffers[layer] = f.zerosLike(like, rows, kvHeads, 1, capacity, headDim);
        }
    }

    /**
     * One layer's keys and values of the new tokens (at the cache's current length) joined to
     * the cached ones: written into the layer's buffer when there is room (the result is a view
     * of it), else concatenated. The cache does not store the result: see {@link #set}.
     *
     * @param f the engine's factory
     * @param layer the layer
     * @param k [B, kvHeads, 1, T, d]
     * @param v same shape
     * @return every key and value the new tokens attend to: [B, kvHeads, 1, length + T, d] each
     */
    Tensor[] extend(TensorFactory f, int layer, Tensor k, Tensor v) {
        long t = k.shape()[3];
        if (capacity > 0 && keyBuffers[layer] != null && length + t <= capacity) {
            if (keyBuffers[layer].writeInPlace(3, length, k) && valueBuffers[layer].writeInPlace(3, length, v)) {
                return new Tensor[] {keyBuffers[layer].slice(3, 0, length + t),
                    valueBuffers[layer].slice(3, 0, length + t)};
            }
            capacity = 0; // the engine declined: concatenate from here on
        }
        if (length > 0) {
            return new Tensor[] {f.concat(List.of(keys[layer], k), 3), f.concat(List.of(values[layer], v), 3)};
        }
        return new Tensor[] {k, v};
    }

    /**
     * Stores one layer's keys and values (what {@link #extend} returned, as its block kept them).
     *
     * @param layer the layer
     * @param k all keys, [B, kvHeads, 1, length + T, d]
     * @param v all values, same shape
     */
    void set(int layer, Tensor k, Tensor v) {
        keys[layer] = k;
        values[layer] = v;
    }

    /**
     * Every tensor the cache holds (entries and in-place buffers), in a fixed order, for a caller
     * that keeps the cache across a {@link TensorFactory#keepOnly} block of its own.
     *
     * @return the tensors, some possibly null (layers not filled yet)
     */
    public Tensor[] tensors() {
        int n = keys.length;
        Tensor[] out = new Tensor[4 * n];
        System.arraycopy(keys, 0, out, 0, n);
        System.arraycopy(values, 0, out, n, n);
        System.arraycopy(keyBuffers, 0, out, 2 * n, n);
        System.arraycopy(valueBuffers, 0, out, 3 * n, n);
        return java.util.Arrays.stream(out).filter(java.util.Objects::nonNull).toArray(Tensor[]::new);
    }

    /**
     * Takes back the tensors of {@link #tensors} as the block kept them (same order).
     *
     * @param kept what {@link TensorFactory#keepOnly} returned for {@link #tensors}
     */
    public void replaceTensors(Tensor[] kept) {
        int k = 0;
        for (Tensor[] group : List.of(keys, values, keyBuffers, valueBuffers)) {
            for (int i = 0; i < group.length; i++) {
                if (group[i] != null) {
                    group[i] = kept[k++];
                }
            }
        }
        if (k != kept.length) {
            throw new IllegalArgumentException(kept.length + " tensors given for a cache holding " + k);
        }
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
        if (keys.length > 0 && keys[0] != null) {
            long[] shape = keys[0].shape();
            out.reserve(f, keys[0], source.length, shape[1], shape[4]);
        }
        for (int layer = 0; layer < keys.length; layer++) {
            Tensor[] all = out.extend(f, layer, gatherRows(keys[layer], rows), gatherRows(values[layer], rows));
            out.set(layer, all[0], all[1]);
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
