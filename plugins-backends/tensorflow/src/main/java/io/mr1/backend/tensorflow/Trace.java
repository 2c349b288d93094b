package io.mr1.backend.tensorflow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A computation recorded without running it: the operations in order, with their inputs,
 * arguments and shapes, and the values of its feeds (constants made while tracing, scalar
 * factors, eager tensors brought in) kept apart. Two traces with the same {@link #key} build
 * the same graph and differ only in what they feed, so a compiled graph is reused for every
 * trace of that key: this is the shape-bucket cache (the key holds every shape).
 */
final class Trace {

    /** One recorded operation, feed or variable. */
    record Node(String kind, int[] inputs, long[] shape, boolean integer, TfTensor.Emitter emitter, int feed,
                String variable) {}

    final List<Node> nodes = new ArrayList<>();
    /**
     * Feed values by feed index: float[], long[], or a TF tensor owned elsewhere (an eager
     * value, or a value of an earlier lazy trace) that lives at least as long as this trace.
     */
    final List<Object> feeds = new ArrayList<>();
    /** The node of each variable used, by name, in first-use order. */
    final Map<String, Integer> variables = new LinkedHashMap<>();
    private final StringBuilder key = new StringBuilder(1 << 14);
    /** The operation kinds alone: equal for two traces of one code path at different sizes. */
    private final StringBuilder pattern = new StringBuilder(1 << 12);
    /**
     * Whether this is a lazy trace (decoding, {@link TfEngine}): its values are computed when
     * first read, then kept here by node, as TF tensors owned by the trace's scope.
     */
    final boolean lazy;
    /** A lazy trace's scope, which owns its values; null otherwise. */
    final TfContext scope;
    /** A lazy trace's fetched values by node, owned by the trace. */
    final Map<Integer, org.tensorflow.Tensor> values = new java.util.HashMap<>();
    /** The earlier lazy traces whose values this one is fed. */
    final java.util.Set<Trace> inputs = new java.util.LinkedHashSet<>();
    /** Whether a lazy trace has run (later operations go to a new trace). */
    boolean ran;
    /** Whether a lazy trace's values were released (two later steps ran, or its scope closed). */
    boolean released;

    /** A trace of a backward pass or a scoring forward. */
    Trace() {
        this(null);
    }

    /** A lazy trace of a decoding scope (null: a backward pass or scoring forward). */
    Trace(TfContext scope) {
        this.scope = scope;
        this.lazy = scope != null;
    }

    private int add(Node node, String description) {
        nodes.add(node);
        key.append(description).append(Arrays.toString(node.shape())).append(';');
        pattern.append(node.kind()).append(';');
        return nodes.size() - 1;
    }

    int op(String kind, String args, int[] inputs, long[] shape, boolean integer, TfTensor.Emitter emitter) {
        return add(new Node(kind, inputs, shape, integer, emitter, -1, null),
                kind + '(' + args + ')' + Arrays.toString(inputs));
    }

    int feed(Object values, long[] shape) {
        boolean integer = values instanceof long[]
                || values instanceof org.tensorflow.Tensor t && t.dataType() == org.tensorflow.proto.DataType.DT_INT64;
        feeds.add(values);
        return add(new Node("feed", new int[0], shape, integer, null, feeds.size() - 1, null), integer ? "feedI" : "feedF");
    }

    int variable(String name, long[] shape, boolean trainable) {
        Integer known = variables.get(name);
        if (known != null) {
            return known;
        }
        int id = add(new Node("variable", new int[0], shape, false, null, -1, name), "var " + name + (trainable ? " T" : " F"));
        variables.put(name, id);
        return id;
    }

    /** Closes a lazy trace's values; its tensors can no longer be read. */
    void release() {
        released = true;
        values.values().forEach(org.tensorflow.Tensor::close);
        values.clear();
        feeds.clear();
    }

    /** The operation kinds in order, shapes and arguments left out. */
    String pattern() {
        return pattern.toString();
    }

    /** What identifies the graph this trace builds: operations, arguments, inputs and shapes, not fed values. */
    String key() {
        return key.toString();
    }
}
