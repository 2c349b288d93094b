package io.mr1.backend.tensorflow;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tensorflow.EagerSession;
import org.tensorflow.ExecutionEnvironment;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
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
import org.tensorflow.types.family.TType;

/**
 * Where TF operations are being created: an eager session (a memory scope: everything it made
 * is released when it closes) or a graph being built for one backward pass. In a graph,
 * persistent variables enter as placeholders fed from host values when the graph runs.
 */
final class TfContext implements AutoCloseable {

    final ExecutionEnvironment env;
    final Ops tf;
    final boolean graph;
    /** Per-context copies of persistent variables (eager constants or graph placeholders), by name. */
    final Map<String, Operand<TFloat32>> variables = new HashMap<>();
    /** Graph only: the placeholder of every variable used, and the host values it is fed with. */
    final Map<Operand<TFloat32>, TfEngine.Host> feeds = new LinkedHashMap<>();
    private Session session;

    /**
     * Graph sessions run the graph as built: no Grappler rewrites (fusions such as
     * MatMul+BiasAdd, arithmetic simplification, constant folding), so each op runs the kernel
     * it runs eagerly. This narrows, but does not remove, the rounding-level difference between
     * eager scoring and graph training (see README, "Honest limits").
     */
    private static final ConfigProto UNOPTIMISED = ConfigProto.newBuilder()
            .setGraphOptions(GraphOptions.newBuilder()
                    .setRewriteOptions(RewriterConfig.newBuilder().setDisableMetaOptimizer(true))
                    .setOptimizerOptions(OptimizerOptions.newBuilder()
                            .setOptLevel(OptimizerOptions.Level.L0)
                            .setDoConstantFolding(false)
                            .setDoFunctionInlining(false)))
            .build();

    private TfContext(ExecutionEnvironment env, boolean graph) {
        this.env = env;
        this.tf = Ops.create(env);
        this.graph = graph;
    }

    static TfContext eager() {
        return new TfContext(EagerSession.options().async(false).build(), false);
    }

    static TfContext graph() {
        return new TfContext(new Graph(), true);
    }

    /** The variable as an operand of this context, made once per context. */
    Operand<TFloat32> variable(String name, TfEngine.Host host) {
        Operand<TFloat32> op = variables.get(name);
        if (op == null) {
            Shape shape = Shape.of(host.shape());
            if (graph) {
                Operand<TFloat32> placeholder = tf.withName(safeName(name))
                        .placeholder(TFloat32.class, Placeholder.shape(shape));
                feeds.put(placeholder, host);
                op = placeholder;
            } else {
                op = tf.constant(shape, DataBuffers.of(host.values(), true, false));
            }
            variables.put(name, op);
        }
        return op;
    }

    private int names;

    private String safeName(String name) {
        // TF node names allow [A-Za-z0-9.\-/_]; a counter keeps them unique.
        return "var_" + (names++) + "_" + name.replaceAll("[^A-Za-z0-9._/-]", "_");
    }

    /** The graph's session, created on first use (graph contexts only). */
    Session session() {
        if (session == null) {
            session = new Session((Graph) env, UNOPTIMISED);
        }
        return session;
    }

    /**
     * Runs the graph for some outputs, feeding every variable placeholder.
     *
     * @param fetches the outputs to compute
     * @return their values (the caller closes the result)
     */
    Result run(Operand<?>... fetches) {
        Session.Runner runner = session().runner();
        Map<TfEngine.Host, TFloat32> made = new HashMap<>();
        try {
            for (Map.Entry<Operand<TFloat32>, TfEngine.Host> feed : feeds.entrySet()) {
                TFloat32 value = made.computeIfAbsent(feed.getValue(), TfEngine.Host::toTensor);
                runner.feed(feed.getKey(), value);
            }
            for (Operand<?> fetch : fetches) {
                runner.fetch(fetch);
            }
            return runner.run();
        } finally {
            made.values().forEach(TFloat32::close);
        }
    }

    /** Reads one operand's value to the host (running the graph in a graph context). */
    <R> R read(Operand<?> operand, java.util.function.Function<org.tensorflow.Tensor, R> reader) {
        if (!graph) {
            return reader.apply(operand.asTensor());
        }
        try (Result result = run(operand)) {
            return reader.apply(result.get(0));
        }
    }

    @Override
    public void close() {
        if (session != null) {
            session.close();
        }
        if (env instanceof Graph g) {
            g.close();
        } else if (env instanceof EagerSession e) {
            e.close();
        }
    }
}
