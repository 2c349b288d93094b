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
    /** Feed values by feed index: float[] or long[]. */
    final List<Object> feeds = new ArrayList<>();
    /** The node of each variable used, by name, in first-use order. */
    final Map<String, Integer> variables = new LinkedHashMap<>();
    private final StringBuilder key = new StringBuilder(1 << 14);

    private int add(Node node, String description) {
        nodes.add(node);
        key.append(description).append(Arrays.toString(node.shape())).append(';');
        return nodes.size() - 1;
    }

    int op(String kind, String args, int[] inputs, long[] shape, boolean integer, TfTensor.Emitter emitter) {
        return add(new Node(kind, inputs, shape, integer, emitter, -1, null),
                kind + '(' + args + ')' + Arrays.toString(inputs));
    }

    int feed(Object values, long[] shape) {
        boolean integer = values instanceof long[];
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

    /** What identifies the graph this trace builds: operations, arguments, inputs and shapes, not fed values. */
    String key() {
        return key.toString();
    }
}
