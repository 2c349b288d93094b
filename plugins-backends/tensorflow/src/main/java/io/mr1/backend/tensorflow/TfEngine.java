package io.mr1.backend.tensorflow;

import io.mr1.policy.AdamWStep;
import io.mr1.policy.TensorEngine;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * The {@link TensorEngine} on TensorFlow Java (CPU). TF Java computes gradients only in a
 * graph, so the engine has two modes:
 * <ul>
 *   <li>{@link #scoped} work (sampling, the optimiser step around the host AdamW) runs
 *       eagerly in an eager scope that is closed, with everything it made, when the work
 *       returns;</li>
 *   <li>{@link #backward} and {@link #evaluate} (scoring) are <em>traced</em>: the tensor
 *       layer records the computation (a {@link Trace}) without running it, and the trace's
 *       key (operations, arguments, shapes) selects a {@link CompiledGraph} from a cache, built
 *       on the first trace of that key. Constants and scalar factors are fed, so with
 *       sequence lengths rounded up to buckets ({@link #paddedLength}) the steady state of a
 *       run builds no graphs. Scoring and training run the same graph kernels, so log-probs
 *       scored for the reference agree bit for bit with the ones the loss recomputes.</li>
 * </ul>
 * Variables (parameters, the frozen reference, optimiser moments) and gradients live on the
 * Java heap as float arrays (with a TF copy made once per value for feeding graphs);
 * {@link #assign} replaces a variable's values. The AdamW update ({@link #adamW},
 * {@link #sumOfSquares}) therefore runs on the host arrays in place, with no TF operation.
 */
final class TfEngine implements TensorEngine {

    /** Compiled graphs kept (least recently used dropped first): a few buckets per kind of call. */
    static final int CACHE_SIZE = 32;

    /** A persistent variable's host values, and their TF copy for feeding graphs, made on first use. */
    static final class Host {
        private final float[] values;
        private final long[] shape;
        private TFloat32 tensor;

        Host(float[] values, long[] shape) {
            this.values = values;
            this.shape = shape;
        }

        float[] values() {
            return values;
        }

        long[] shape() {
            return shape;
        }

        TFloat32 tensor() {
            if (tensor == null) {
                tensor = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false));
            }
            return tensor;
        }

        void release() {
            if (tensor != null) {
                tensor.close();
                tensor = null;
            }
        }
    }

    private final Map<String, Host> variables = new LinkedHashMap<>();
    private final Map<String, float[]> gradients = new HashMap<>();
    /**
     * Gradients whose arrays back a tensor handed out by {@link #gradient}: the next change
     * (accumulation, zeroing) writes to a fresh array, so such a tensor keeps its value.
     */
    private final Set<String> gradientsLent = new HashSet<>();
    private final Set<String> trainable = new HashSet<>();
    private final Deque<TfContext> contexts = new ArrayDeque<>();
    private final TfContext base;
    private final TensorFactory tensors;
    private final Map<String, CompiledGraph> graphs = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CompiledGraph> eldest) {
            if (size() > CACHE_SIZE) {
                eldest.getValue().close();
                return true;
            }
            return false;
        }
    };
    /** The computation being traced, or null (eager). */
    private Trace tracing;
    private long graphBuilds;
    private long graphBuildNanos;
    private long graphRuns;
    private long graphRunNanos;
    private long optimizerNanos;

    TfEngine() {
        this.base = TfContext.eager();
        this.tensors = TfTensor.factory(this);
    }

    /** @return how many graphs {@link #backward} and {@link #evaluate} have built so far */
    long graphBuilds() {
        return graphBuilds;
    }

    /**
     * {@inheritDoc}
     *
     * <p>TensorFlow: {@code graph_builds} and {@code graph_build_seconds} (emitting a trace's
     * operations, adding the gradients, creating the session: what a cache miss costs beyond a
     * run), {@code graph_runs} (traced computations run, cache hits included),
     * {@code graph_run_seconds} (running them: feeds, the session run, fetching and summing
     * the gradients), {@code optimizer_seconds} (the host AdamW: {@link #adamW} and
     * {@link #sumOfSquares}) and {@code graphs_cached}.
     */
    @Override
    public Map<String, Double> statistics() {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("graph_builds", (double) graphBuilds);
        out.put("graph_build_seconds", graphBuildNanos / 1e9);
        out.put("graph_runs", (double) graphRuns);
        out.put("graph_run_seconds", graphRunNanos / 1e9);
        out.put("optimizer_seconds", optimizerNanos / 1e9);
        out.put("graphs_cached", (double) graphs.size());
        return out;
    }

    /**
     * Sequence lengths rounded up so that shapes repeat: to 8 up to 8, then to a quarter of
     * the length's power of two (at most 25% padding, four buckets per doubling).
     */
    @Override
    public int paddedLength(int length) {
        if (length <= 8) {
            return 8;
        }
        int step = Integer.highestOneBit(length - 1) / 4;
        return (length + step - 1) / step * step;
    }

    TfContext current() {
        TfContext c = contexts.peek();
        return c == null ? base : c;
    }

    /** Adds one operation: runs it in the current eager scope, or records it in the trace. */
    TfTensor apply(String kind, String args, long[] shape, boolean integer, TfTensor.Emitter emitter,
                   TfTensor... inputs) {
        if (tracing != null) {
            int[] ids = new int[inputs.length];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = traced(inputs[i]);
            }
            return new TfTensor(this, tracing, tracing.op(kind, args, ids, shape, integer, emitter), shape, integer);
        }
        TfContext c = current();
        Operand<?>[] in = new Operand<?>[inputs.length];
        for (int i = 0; i < in.length; i++) {
            in[i] = inCurrent(inputs[i]);
        }
        TfTensor out = new TfTensor(this, c, emitter.emit(c.tf, in));
        if (!Arrays.equals(out.shape(), shape)) {
            throw new IllegalStateException("tensor layer shape of " + kind + " is " + Arrays.toString(shape)
                    + ", TensorFlow's " + Arrays.toString(out.shape()));
        }
        return out;
    }

    /** The tensor's node in the trace being recorded; an eager tensor from outside becomes a feed. */
    private int traced(TfTensor t) {
        if (t.trace == tracing) {
            return t.node;
        }
        if (t.trace != null) {
            throw new IllegalStateException("a tensor of another traced computation used in this one");
        }
        return t.integer ? tracing.feed(t.toLongArray(), t.shape()) : tracing.feed(t.toFloatArray(), t.shape());
    }

    /**
     * The eager tensor's operand in the current scope: itself when it was made there, otherwise a
     * constant copy of its value (a tensor made in an outer scope).
     */
    private Operand<?> inCurrent(TfTensor t) {
        if (t.trace != null) {
            throw new IllegalStateException("a traced tensor used outside its computation");
        }
        TfContext c = current();
        if (t.context == c) {
            return t.operand();
        }
        Shape shape = Shape.of(t.shape());
        if (t.integer) {
            return c.tf.constant(shape, DataBuffers.of(t.toLongArray(), true, false));
        }
        return c.tf.constant(shape, DataBuffers.of(t.toFloatArray(), true, false));
    }

    /** A constant: a feed of the trace being recorded, else an eager constant. */
    TfTensor constant(float[] values, long[] shape) {
        if (tracing != null) {
            return new TfTensor(this, tracing, tracing.feed(values.clone(), shape), shape, false);
        }
        TfContext c = current();
        return new TfTensor(this, c, c.tf.constant(Shape.of(shape), DataBuffers.of(values, true, false)));
    }

    /** Integer constant (indices): a feed of the trace being recorded, else an eager constant. */
    TfTensor constant(long[] values, long[] shape) {
        if (tracing != null) {
            return new TfTensor(this, tracing, tracing.feed(values.clone(), shape), shape, true);
        }
        TfContext c = current();
        return new TfTensor(this, c, c.tf.constant(Shape.of(shape), DataBuffers.of(values, true, false)));
    }

    /** A scalar factor: fed when traced, so a step-dependent value does not change the graph. */
    TfTensor scalar(double value) {
        return constant(new float[] {(float) value}, new long[0]);
    }

    @Override
    public TensorFactory tensors() {
        return tensors;
    }

    @Override
    public <T> T scoped(Supplier<T> work) {
        if (tracing != null) {
            return work.get(); // inside a traced computation: the compiled graph is the scope
        }
        TfContext scope = TfContext.eager();
        contexts.push(scope);
        try {
            return work.get();
        } finally {
            contexts.pop();
            scope.close();
        }
    }

    private void requireEager(String what) {
        if (tracing != null) {
            throw new IllegalStateException(what + " inside a traced computation (backward or evaluate)");
        }
    }

    @Override
    public void create(String name, float[] values, long[] shape, boolean trainable) {
        requireEager("create");
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException("variable " + name + ": " + values.length + " values for shape "
                    + Arrays.toString(shape));
        }
        replace(name, new Host(values.clone(), shape.clone()));
        gradients.remove(name);
        if (trainable) {
            this.trainable.add(name);
        } else {
            this.trainable.remove(name);
        }
    }

    /** Sets a variable's values, releasing the old values' TF copy and the open scopes' constants. */
    private void replace(String name, Host host) {
        Host old = variables.put(name, host);
        if (old != null) {
            old.release();
        }
        forgetCopies(name);
    }

    /** Drops the open scopes' constant copies of a variable whose values changed. */
    private void forgetCopies(String name) {
        base.variables.remove(name);
        for (TfContext c : contexts) {
            c.variables.remove(name);
        }
    }

    @Override
    public boolean contains(String name) {
        return variables.containsKey(name);
    }

    private Host host(String name) {
        Host h = variables.get(name);
        if (h == null) {
            throw new IllegalArgumentException("unknown variable " + name);
        }
        return h;
    }

    @Override
    public Tensor variable(String name) {
        Host h = host(name);
        if (tracing != null) {
            int node = tracing.variable(name, h.shape(), trainable.contains(name));
            return new TfTensor(this, tracing, node, h.shape().clone(), false);
        }
        TfContext c = current();
        return new TfTensor(this, c, c.variable(name, h));
    }

    @Override
    public void assign(String name, Tensor value) {
        requireEager("assign");
        Host target = host(name);
        float[] values = value.toFloatArray();
        if (values.length != target.values().length) {
            throw new IllegalArgumentException("assign " + name + ": " + values.length + " values for shape "
                    + Arrays.toString(target.shape()));
        }
        replace(name, new Host(values, target.shape()));
    }

    @Override
    public Tensor gradient(String name) {
        requireEager("gradient");
        float[] g = gradients.get(name);
        if (g == null) {
            return null;
        }
        gradientsLent.add(name);
        return new TfTensor(this, current(), g, host(name).shape());
    }

    @Override
    public void zeroGradients() {
        // as PyTorch: a gradient once computed stays, zeroed (AdamW then still decays its moments)
        for (Map.Entry<String, float[]> g : gradients.entrySet()) {
            if (gradientsLent.contains(g.getKey())) {
                g.setValue(new float[g.getValue().length]);
            } else {
                Arrays.fill(g.getValue(), 0f);
            }
        }
        gradientsLent.clear();
    }

    /**
     * {@inheritDoc}
     *
     * <p>TensorFlow: the gradients live on the host ({@link #gradient}), so the sum is taken
     * there in one pass, accumulated in double, instead of two eager operations per tensor.
     */
    @Override
    public Tensor sumOfSquares(List<Tensor> tensors) {
        requireEager("sumOfSquares");
        long began = System.nanoTime();
        double total = 0;
        for (Tensor t : tensors) {
            float[] v = hostValues(t);
            double a = 0;
            double b = 0;
            int i = 0;
            for (; i + 1 < v.length; i += 2) { // two accumulators: independent adds pipeline
                a += (double) v[i] * v[i];
                b += (double) v[i + 1] * v[i + 1];
            }
            if (i < v.length) {
                a += (double) v[i] * v[i];
            }
            total += a + b;
        }
        optimizerNanos += System.nanoTime() - began;
        return constant(new float[] {(float) total}, new long[0]);
    }

    /**
     * {@inheritDoc}
     *
     * <p>TensorFlow: parameters, moments and gradients all live on the host, so the update runs
     * in place over the Java arrays in one pass, in float32 with the reference's operations in
     * the reference's order (the same roundings as {@link AdamWStep#composed} on this engine),
     * instead of a dozen eager TF operations, each with its own copies, per parameter. The
     * changed variables' TF copies are dropped and remade on next use.
     */
    @Override
    public void adamW(String parameter, String firstMoment, String secondMoment, Tensor gradient, AdamWStep s) {
        requireEager("adamW");
        long began = System.nanoTime();
        float[] p = host(parameter).values();
        float[] m = host(firstMoment).values();
        float[] v = host(secondMoment).values();
        float[] g = hostValues(gradient);
        if (m.length != p.length || v.length != p.length || g.length != p.length) {
            throw new IllegalArgumentException("adamW " + parameter + ": parameter, moments and gradient differ in size ("
                    + p.length + ", " + m.length + ", " + v.length + ", " + g.length + ")");
        }
        // every factor rounded to float32 once, as the reference feeds its scalars
        boolean scaled = s.gradientScale() != 1.0;
        float scale = (float) s.gradientScale();
        float beta1 = (float) s.beta1();
        float keep1 = (float) (1 - s.beta1());
        float beta2 = (float) s.beta2();
        float keep2 = (float) (1 - s.beta2());
        float correct1 = (float) (1 / s.bias1());
        float correct2 = (float) (1 / s.bias2());
        float epsilon = (float) s.epsilon();
        float rate = (float) s.learningRate();
        boolean decays = s.weightDecay() > 0;
        float decay = (float) (1 - s.learningRate() * s.weightDecay());
        for (int i = 0; i < p.length; i++) {
            float gi = scaled ? g[i] * scale : g[i];
            float mi = m[i] * beta1 + gi * keep1;
            float vi = v[i] * beta2 + gi * gi * keep2;
            float step = mi * correct1 / ((float) Math.sqrt(vi * correct2) + epsilon) * rate;
            p[i] = (decays ? p[i] * decay : p[i]) - step;
            m[i] = mi;
            v[i] = vi;
        }
        for (String name : new String[] {parameter, firstMoment, secondMoment}) {
            host(name).release();
            forgetCopies(name);
        }
        optimizerNanos += System.nanoTime() - began;
    }

    /** A tensor's float values: a host-backed tensor's own array (not to be changed), else a copy. */
    private static float[] hostValues(Tensor t) {
        if (t instanceof TfTensor tf && tf.host != null) {
            return tf.host;
        }
        return t.toFloatArray();
    }

    /** Records a computation; returns the trace and its output nodes. */
    private <T> Trace trace(Supplier<T[]> work, int[][] outputs) {
        requireEager("a traced computation");
        Trace t = new Trace();
        tracing = t;
        try {
            T[] results = work.get();
            int[] ids = new int[results.length];
            for (int i = 0; i < ids.length; i++) {
                if (!(results[i] instanceof TfTensor r)) {
                    throw new IllegalArgumentException("cannot mix engines: " + results[i]);
                }
                ids[i] = traced(r);
            }
            outputs[0] = ids;
            return t;
        } finally {
            tracing = null;
        }
    }

    /** The compiled graph of a trace's key, built on a miss. */
    private CompiledGraph compiled(Trace t, int[] outputs, boolean gradients) {
        String key = (gradients ? "backward" : "evaluate") + Arrays.toString(outputs) + '|' + t.key();
        CompiledGraph g = graphs.get(key);
        if (g == null) {
            long began = System.nanoTime();
            g = new CompiledGraph(t, outputs, gradients ? trainable : null);
            graphBuildNanos += System.nanoTime() - began;
            graphBuilds++;
            graphs.put(key, g);
        }
        graphRuns++;
        return g;
    }

    @Override
    public double[] backward(Supplier<Tensor[]> forward) {
        int[][] outputs = new int[1][];
        Trace t = trace(forward, outputs);
        CompiledGraph g = compiled(t, outputs[0], true);
        long began = System.nanoTime();
        double[] values = new double[g.results];
        try (Result out = g.run(t, name -> host(name).tensor())) {
            for (int i = 0; i < values.length; i++) {
                values[i] = TfTensor.floatsOf(out.get(i))[0];
            }
            for (int k = 0; k < g.gradientOf.size(); k++) {
                String name = g.gradientOf.get(k);
                float[] grad = TfTensor.floatsOf(out.get(g.results + k));
                float[] sum = gradients.get(name);
                if (sum == null) {
                    gradients.put(name, grad);
                } else {
                    if (gradientsLent.remove(name)) { // a handed-out gradient tensor keeps its value
                        sum = sum.clone();
                        gradients.put(name, sum);
                    }
                    for (int j = 0; j < grad.length; j++) {
                        sum[j] += grad[j];
                    }
                }
            }
        }
        graphRunNanos += System.nanoTime() - began;
        return values;
    }

    /** Scoring runs as a cached graph, with the same kernels as the training graphs. */
    @Override
    public float[] evaluate(Supplier<Tensor> forward) {
        int[][] outputs = new int[1][];
        Trace t = trace(() -> new Tensor[] {forward.get()}, outputs);
        CompiledGraph g = compiled(t, outputs[0], false);
        long began = System.nanoTime();
        try (Result out = g.run(t, name -> host(name).tensor())) {
            return TfTensor.floatsOf(out.get(0));
        } finally {
            graphRunNanos += System.nanoTime() - began;
        }
    }

    @Override
    public float[] read(String name) {
        return host(name).values().clone();
    }

    @Override
    public long[] shape(String name) {
        return host(name).shape().clone();
    }

    @Override
    public void close() {
        while (!contexts.isEmpty()) {
            contexts.pop().close();
        }
        base.close();
        graphs.values().forEach(CompiledGraph::close);
        graphs.clear();
        variables.values().forEach(Host::release);
        variables.clear();
        gradients.clear();
        gradientsLent.clear();
    }
}
