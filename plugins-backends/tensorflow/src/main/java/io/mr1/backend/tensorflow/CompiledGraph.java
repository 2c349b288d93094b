package io.mr1.backend.tensorflow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.OptimizerOptions;
import org.tensorflow.proto.RewriterConfig;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * A {@link Trace} compiled into a TF graph and session: every feed and variable is a
 * placeholder, the results (and, for a backward pass, the symbolic gradients of the first
 * result with respect to the trainable variables used) are the fetches. Built once per trace
 * key and run for every later trace of that key with that trace's feeds.
 */
final class CompiledGraph implements AutoCloseable {

    /**
     * Sessions run the graph as built: no Grappler rewrites (fusions, arithmetic
     * simplification, constant folding), so a scoring graph and the forward part of a
     * training graph run the same kernels on the same shapes and give the same bits.
     */
    private static ConfigProto unoptimised() {
        return TfContext.withThreads(ConfigProto.newBuilder())
                .setGraphOptions(GraphOptions.newBuilder()
                        .setRewriteOptions(RewriterConfig.newBuilder().setDisableMetaOptimizer(true))
                        .setOptimizerOptions(OptimizerOptions.newBuilder()
                                .setOptLevel(OptimizerOptions.Level.L0)
                                .setDoConstantFolding(false)
                                .setDoFunctionInlining(false)))
                .build();
    }

    private final Graph graph;
    private final Session session;
    private final Operand<?>[] feeds;
    /** Every node's operand, kept for a lazy trace's graph (any node may be fetched); else null. */
    private final Operand<?>[] nodes;
    private final Map<String, Operand<?>> variables = new HashMap<>();
    private final List<Operand<?>> fetches = new ArrayList<>();
    /** The variable of each gradient fetched (after the results). */
    final List<String> gradientOf = new ArrayList<>();
    final int results;

    /**
     * Emits every node of the trace into a new graph, checking each TF shape against the shape
     * the tensor layer computed.
     *
     * @param trace the recorded computation
     * @param outputs the nodes whose values are returned, or null: any node, chosen per run
     *     ({@link #runNodes}; a lazy trace)
     * @param trainable the variables to differentiate the first output by (null: no gradients)
     */
    CompiledGraph(Trace trace, int[] outputs, Set<String> trainable) {
        graph = new Graph();
        try {
            Ops tf = Ops.create(graph);
            Operand<?>[] ops = new Operand<?>[trace.nodes.size()];
            feeds = new Operand<?>[trace.feeds.size()];
            for (int i = 0; i < ops.length; i++) {
                Trace.Node node = trace.nodes.get(i);
                Shape shape = Shape.of(node.shape());
                if (node.feed() >= 0) {
                    ops[i] = node.integer() ? tf.placeholder(TInt64.class, Placeholder.shape(shape))
                            : tf.placeholder(TFloat32.class, Placeholder.shape(shape));
                    feeds[node.feed()] = ops[i];
                } else if (node.variable() != null) {
                    ops[i] = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
                    variables.put(node.variable(), ops[i]);
                } else {
                    Operand<?>[] in = new Operand<?>[node.inputs().length];
                    for (int k = 0; k < in.length; k++) {
                        in[k] = ops[node.inputs()[k]];
                    }
                    ops[i] = node.emitter().emit(tf, in);
                    long[] actual = ops[i].shape().asArray();
                    if (!Arrays.equals(actual, node.shape())) {
                        throw new IllegalStateException("tensor layer shape of " + node.kind() + " is "
                                + Arrays.toString(node.shape()) + ", TensorFlow's " + Arrays.toString(actual));
                    }
                }
            }
            nodes = outputs == null ? ops : null;
            results = outputs == null ? 0 : outputs.length;
            for (int i = 0; i < results; i++) {
                fetches.add(TfTensor.f(tf, ops[outputs[i]]));
            }
            if (trainable != null) {
                List<String> names = new ArrayList<>();
                List<Output<?>> xs = new ArrayList<>();
                for (Map.Entry<String, Integer> v : trace.variables.entrySet()) {
                    if (trainable.contains(v.getKey())) {
                        names.add(v.getKey());
                        xs.add(ops[v.getValue()].asOutput());
                    }
                }
                if (!xs.isEmpty()) {
                    Output<?>[] grads = graph.addGradients(fetches.get(0).asOutput(), xs.toArray(new Output<?>[0]));
                    for (int i = 0; i < grads.length; i++) {
                        if (grads[i] != null) { // null: the loss does not depend on this variable
                            gradientOf.add(names.get(i));
                            fetches.add(grads[i]);
                        }
                    }
                }
            }
            session = new Session(graph, unoptimised());
        } catch (RuntimeException | Error e) {
            graph.close();
            throw e;
        }
    }

    /**
     * Runs the graph with a trace's feeds.
     *
     * @param trace a trace of this graph's key
     * @param variable the current host tensor of a variable, by name (owned by the caller)
     * @return the results, then the gradients named by {@link #gradientOf} (the caller closes it)
     */
    Result run(Trace trace, Function<String, TFloat32> variable) {
        return run(trace, variable, fetches);
    }

    /**
     * Runs a lazy trace's graph, fetching the given nodes' values (their own types: int64
     * indices stay int64).
     *
     * @param trace a trace of this graph's key
     * @param variable the current native tensor of a variable, by name
     * @param wanted the nodes to fetch
     * @return their values in order (the caller closes it)
     */
    Result runNodes(Trace trace, Function<String, TFloat32> variable, int[] wanted) {
        List<Operand<?>> out = new ArrayList<>();
        for (int n : wanted) {
            out.add(nodes[n]);
        }
        return run(trace, variable, out);
    }

    private Result run(Trace trace, Function<String, TFloat32> variable, List<Operand<?>> fetches) {
        Session.Runner runner = session.runner();
        List<org.tensorflow.Tensor> made = new ArrayList<>();
        try {
            for (int i = 0; i < feeds.length; i++) {
                Object values = trace.feeds.get(i);
                if (values instanceof org.tensorflow.Tensor owned) { // fed as it is, owned elsewhere
                    runner.feed(feeds[i], owned);
                    continue;
                }
                Shape shape = feeds[i].shape();
                org.tensorflow.Tensor t = values instanceof long[] l
                        ? TInt64.tensorOf(shape, DataBuffers.of(l, true, false))
                        : TFloat32.tensorOf(shape, DataBuffers.of((float[]) values, true, false));
                made.add(t);
                runner.feed(feeds[i], t);
            }
            for (Map.Entry<String, Operand<?>> v : variables.entrySet()) {
                runner.feed(v.getValue(), variable.apply(v.getKey()));
            }
            for (Operand<?> fetch : fetches) {
                runner.fetch(fetch);
            }
            return runner.run();
        } finally {
            made.forEach(org.tensorflow.Tensor::close);
        }
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
