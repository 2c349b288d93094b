package io.mr1.backend.tensorflow;

import io.mr1.policy.AdamWStep;
import io.mr1.policy.TensorEngine;
import io.mr1.policy.TokenDraw;
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
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.types.TFloat32;

/**
 * The {@link TensorEngine} on TensorFlow Java (CPU). TF Java computes gradients only in a
 * graph, so the engine has two modes:
 * <ul>
 *   <li>{@link #scoped} work (the optimiser step around the host AdamW, the prompt's prefill
 *       when sampling) runs eagerly in an eager scope that is closed, with everything it made,
 *       when the work returns; from a scope's first {@link #drawTokens} on, its operations
 *       (the next decoding steps) are recorded lazily and each step runs as a cached compiled
 *       graph when its logits are read ({@link #valueOf});</li>
 *   <li>{@link #backward} and {@link #evaluate} (scoring) are <em>traced</em>: the tensor
 *       layer records the computation (a {@link Trace}) without running it, and the trace's
 *       key (operations, arguments, shapes) selects a {@link CompiledGraph} from a cache, built
 *       on the first trace of that key. Constants and scalar factors are fed, so with
 *       sequence lengths rounded up to buckets ({@link #paddedLength}) the steady state of a
 *       run builds no graphs. Scoring and training run the same graph kernels, so log-probs
 *       scored for the reference agree bit for bit with the ones the loss recomputes.</li>
 * </ul>
 * Variables (parameters, the frozen reference, optimiser moments) and gradients live in
 * TensorFlow's native memory as float32 tensors, fed to graphs as they are; {@link #assign}
 * overwrites a variable's values in place. The AdamW update ({@link #adamW},
 * {@link #sumOfSquares}) runs on them in place from Java, chunk by chunk, with no TF operation.
 */
final class TfEngine implements TensorEngine {

    /** Compiled graphs kept (least recently used dropped first): a few buckets per kind of call. */
    static final int CACHE_SIZE = 32;
    /**
     * Compiled decoding steps kept: one per batch size and KV-cache length, so a few hundred
     * cover the lengths a run's sampling meets (prompt buckets times new tokens).
     */
    static final int DECODE_CACHE_SIZE = 256;
    /**
     * System property: {@code false} runs decoding eagerly, op by op (the reference the
     * compiled steps are checked against); unset or {@code true}, decoding steps are compiled.
     */
    static final String COMPILED_DECODING = "mr1.tensorflow.compiledDecoding";

    /**
     * A persistent variable: its float32 values in TensorFlow's native memory, fed to graphs as
     * they are and updated in place by the host AdamW (chunk by chunk, {@link NativeFloats}), so
     * no copy of it lives on the Java heap.
     */
    static final class Host {
        private final TFloat32 tensor;
        private final long[] shape;

        Host(TFloat32 tensor, long[] shape) {
            this.tensor = tensor;
            this.shape = shape;
        }

        long[] shape() {
            return shape;
        }

        TFloat32 tensor() {
            return tensor;
        }

        long size() {
            return tensor.shape().size();
        }

        void release() {
            tensor.close();
        }
    }

    private final Map<String, Host> variables = new LinkedHashMap<>();
    /** Accumulated gradients, in native memory like the variables. */
    private final Map<String, TFloat32> gradients = new HashMap<>();
    /**
     * Gradients whose tensors back a tensor handed out by {@link #gradient}, with the scope it
     * was handed out in: the next change (accumulation, zeroing) writes to a fresh tensor, so
     * the handed-out one keeps its value, and is closed with that scope.
     */
    private final Map<String, TfContext> gradientsLent = new HashMap<>();
    /** Reused heap chunks of the host AdamW and the gradient sums (never a whole tensor). */
    private final float[][] chunks = new float[4][NativeFloats.CHUNK];
    private final Set<String> trainable = new HashSet<>();
    private final Deque<TfContext> contexts = new ArrayDeque<>();
    private final TfContext base;
    private final TensorFactory tensors;
    private final Map<String, CompiledGraph> graphs = graphCache(CACHE_SIZE);
    /** Compiled lazy traces (decoding steps), by trace key. */
    private final Map<String, CompiledGraph> decodeGraphs = graphCache(DECODE_CACHE_SIZE);
    /**
     * Nodes of lazy traces that a later trace used, by trace pattern: fetched whenever a trace
     * of that pattern runs (the KV cache of a decoding step), so the next step finds them.
     */
    private final Map<String, java.util.TreeSet<Integer>> kept = new HashMap<>();
    private long decodeRecomputes;
    /** The computation being traced, or null (eager). */
    private Trace tracing;
    private long graphBuilds;
    private long graphBuildNanos;
    private long graphRuns;
    private long graphRunNanos;
    private long optimizerNanos;

    /** A cache of compiled graphs that closes the least recently used one beyond its size. */
    private static Map<String, CompiledGraph> graphCache(int size) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, CompiledGraph> eldest) {
                if (size() > size) {
                    eldest.getValue().close();
                    return true;
                }
                return false;
            }
        };
    }

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
     * {@link #sumOfSquares}), {@code graphs_cached} (training, scoring and decoding graphs),
     * {@code decode_graphs_cached} (compiled decoding steps) and {@code decode_recomputes}
     * (decoding graphs run again for a value a later step needed; none once learnt).
     */
    @Override
    public Map<String, Double> statistics() {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("graph_builds", (double) graphBuilds);
        out.put("graph_build_seconds", graphBuildNanos / 1e9);
        out.put("graph_runs", (double) graphRuns);
        out.put("graph_run_seconds", graphRunNanos / 1e9);
        out.put("optimizer_seconds", optimizerNanos / 1e9);
        out.put("graphs_cached", (double) (graphs.size() + decodeGraphs.size()));
        out.put("decode_graphs_cached", (double) decodeGraphs.size());
        out.put("decode_recomputes", (double) decodeRecomputes);
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

    /**
     * The trace operations are recorded in: the backward or scoring trace being recorded, else
     * the lazy trace of a decoding scope (made on first use after the previous one ran), else
     * null (eager).
     */
    private Trace recording() {
        if (tracing != null) {
            return tracing;
        }
        TfContext c = contexts.peek();
        if (c == null || !c.lazy) {
            return null;
        }
        if (c.pending == null) {
            c.pending = new Trace(c);
            c.traces.add(c.pending);
        }
        return c.pending;
    }

    /** Adds one operation: runs it in the current eager scope, or records it in the trace. */
    TfTensor apply(String kind, String args, long[] shape, boolean integer, TfTensor.Emitter emitter,
                   TfTensor... inputs) {
        Trace into = recording();
        if (into != null) {
            int[] ids = new int[inputs.length];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = traced(into, inputs[i]);
            }
            return new TfTensor(this, into, into.op(kind, args, ids, shape, integer, emitter), shape, integer);
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

    /**
     * The tensor's node in a trace being recorded. A tensor from outside becomes a feed of its
     * TF value as it is (no host copy): an eager value, a native gradient, or the value of an
     * earlier lazy trace (computed now if it was not fetched).
     */
    private int traced(Trace into, TfTensor t) {
        if (t.trace == into) {
            return t.node;
        }
        if (t.trace != null && !t.trace.lazy) {
            throw new IllegalStateException("a tensor of another traced computation used in this one");
        }
        if (t.trace != null && into.lazy) {
            into.inputs.add(t.trace);
        }
        return into.feed(tfValue(t), t.shape());
    }

    /** The TF value of a tensor that is not a node of the trace being recorded (owned elsewhere). */
    private org.tensorflow.Tensor tfValue(TfTensor t) {
        if (t.trace != null) {
            return valueOf(t);
        }
        if (t.host != null) {
            return t.host;
        }
        return t.operand().asTensor();
    }

    /**
     * The eager tensor's operand in the current scope: itself when it was made there, otherwise a
     * constant copy of its value (a tensor made in an outer scope).
     */
    private Operand<?> inCurrent(TfTensor t) {
        if (t.trace != null && t.trace.lazy) {
            return current().tf.constantOf((org.tensorflow.types.family.TType) valueOf(t));
        }
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
        Trace into = recording();
        if (into != null) {
            return new TfTensor(this, into, into.feed(values.clone(), shape), shape, false);
        }
        TfContext c = current();
        return new TfTensor(this, c, c.tf.constant(Shape.of(shape), DataBuffers.of(values, true, false)));
    }

    /** Integer constant (indices): a feed of the trace being recorded, else an eager constant. */
    TfTensor constant(long[] values, long[] shape) {
        Trace into = recording();
        if (into != null) {
            return new TfTensor(this, into, into.feed(values.clone(), shape), shape, true);
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
            gradientsLent.values().removeIf(c -> c == scope); // their tensors die with the scope's
            scope.close();
        }
    }

    /** Whether scope a encloses scope b (the base scope encloses every other). */
    private boolean isOuter(TfContext a, TfContext b) {
        if (a == base) {
            return true;
        }
        for (TfContext c : contexts) { // newest first
            if (c == b) {
                return true;
            }
            if (c == a) {
                return false;
            }
        }
        return false;
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
        define(name, NativeFloats.of(values, shape), shape, trainable);
    }

    /**
     * {@inheritDoc}
     *
     * <p>TensorFlow: the stored bytes are widened chunk by chunk straight into the variable's
     * native tensor; no copy of the checkpoint reaches the Java heap.
     */
    @Override
    public void create(String name, java.nio.ByteBuffer bytes, String dtype, long[] shape, boolean trainable) {
        requireEager("create");
        TFloat32 t;
        try {
            t = NativeFloats.fromStored(bytes, dtype, shape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("variable " + name + ": " + e.getMessage(), e);
        }
        define(name, t, shape, trainable);
    }

    /** {@inheritDoc} TensorFlow: zeros allocated and cleared in native memory. */
    @Override
    public void createZeros(String name, long[] shape, boolean trainable) {
        requireEager("createZeros");
        define(name, NativeFloats.zeros(shape), shape, trainable);
    }

    private void define(String name, TFloat32 values, long[] shape, boolean trainable) {
        replace(name, new Host(values, shape.clone()));
        dropGradient(name);
        if (trainable) {
            this.trainable.add(name);
        } else {
            this.trainable.remove(name);
        }
    }

    /** Forgets a gradient, closing its tensor unless a handed-out tensor still reads it. */
    private void dropGradient(String name) {
        TFloat32 g = gradients.remove(name);
        TfContext lentIn = gradientsLent.remove(name);
        if (g != null) {
            if (lentIn != null) {
                lentIn.adopt(g);
            } else {
                g.close();
            }
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
        Trace into = recording();
        if (into != null) {
            int node = into.variable(name, h.shape(), trainable.contains(name));
            return new TfTensor(this, into, node, h.shape().clone(), false);
        }
        TfContext c = current();
        return new TfTensor(this, c, c.variable(name, h));
    }

    @Override
    public void assign(String name, Tensor value) {
        requireEager("assign");
        Host target = host(name);
        long size = 1;
        for (long d : value.shape()) {
            size *= d;
        }
        if (size != target.size()) {
            throw new IllegalArgumentException("assign " + name + ": " + size + " values for shape "
                    + Arrays.toString(target.shape()));
        }
        // in place: graphs and scopes never keep a variable's tensor beyond a run (constants copy it)
        if (value instanceof TfTensor t && t.host != null) {
            NativeFloats.copy(t.host, target.tensor());
        } else if (value instanceof TfTensor t && t.trace == null && !t.integer) {
            NativeFloats.copy((TFloat32) TfTensor.f(t.context.tf, t.operand()).asTensor(), target.tensor());
        } else {
            try (TFloat32 copy = NativeFloats.of(value.toFloatArray(), target.shape())) {
                NativeFloats.copy(copy, target.tensor());
            }
        }
        forgetCopies(name);
    }

    @Override
    public Tensor gradient(String name) {
        requireEager("gradient");
        TFloat32 g = gradients.get(name);
        if (g == null) {
            return null;
        }
        TfContext c = current();
        TfContext before = gradientsLent.put(name, c);
        if (before != null && before != c && isOuter(before, c)) {
            gradientsLent.put(name, before); // the tensor lives as long as the outer of the two scopes
        }
        return new TfTensor(this, c, g, host(name).shape());
    }

    /**
     * The gradient's tensor, ready to be changed: a handed-out one is left to its scope (it
     * keeps its value) and replaced by a copy.
     */
    private TFloat32 writableGradient(String name) {
        TFloat32 g = gradients.get(name);
        TfContext lentIn = gradientsLent.remove(name);
        if (g != null && lentIn != null) {
            TFloat32 copy = NativeFloats.copyOf(g);
            lentIn.adopt(g);
            gradients.put(name, copy);
            return copy;
        }
        return g;
    }

    @Override
    public void zeroGradients() {
        // as PyTorch: a gradient once computed stays, zeroed (AdamW then still decays its moments)
        for (Map.Entry<String, TFloat32> g : gradients.entrySet()) {
            TfContext lentIn = gradientsLent.remove(g.getKey());
            if (lentIn != null) {
                lentIn.adopt(g.getValue());
                g.setValue(NativeFloats.zeros(g.getValue().shape().asArray()));
            } else {
                NativeFloats.fill(g.getValue(), 0f);
            }
        }
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
        float[] v = chunks[0];
        for (Tensor t : tensors) {
            FloatDataBuffer values = hostValues(t);
            double a = 0;
            double b = 0;
            // two accumulators, element i on a when i is even: the sum of the one-pass loop
            for (long from = 0; from < values.size(); from += v.length) {
                int n = (int) Math.min(v.length, values.size() - from);
                values.slice(from, n).read(v, 0, n);
                int i = 0;
                for (; i + 1 < n; i += 2) { // independent adds pipeline
                    a += (double) v[i] * v[i];
                    b += (double) v[i + 1] * v[i + 1];
                }
                if (i < n) {
                    a += (double) v[i] * v[i];
                }
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
        FloatDataBuffer pv = NativeFloats.view(host(parameter).tensor());
        FloatDataBuffer mv = NativeFloats.view(host(firstMoment).tensor());
        FloatDataBuffer vv = NativeFloats.view(host(secondMoment).tensor());
        FloatDataBuffer gv = hostValues(gradient);
        long size = pv.size();
        if (mv.size() != size || vv.size() != size || gv.size() != size) {
            throw new IllegalArgumentException("adamW " + parameter + ": parameter, moments and gradient differ in size ("
                    + size + ", " + mv.size() + ", " + vv.size() + ", " + gv.size() + ")");
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
        float[] p = chunks[0];
        float[] m = chunks[1];
        float[] v = chunks[2];
        float[] g = chunks[3];
        for (long from = 0; from < size; from += p.length) {
            int n = (int) Math.min(p.length, size - from);
            pv.slice(from, n).read(p, 0, n);
            mv.slice(from, n).read(m, 0, n);
            vv.slice(from, n).read(v, 0, n);
            gv.slice(from, n).read(g, 0, n);
            for (int i = 0; i < n; i++) {
                float gi = scaled ? g[i] * scale : g[i];
                float mi = m[i] * beta1 + gi * keep1;
                float vi = v[i] * beta2 + gi * gi * keep2;
                float step = mi * correct1 / ((float) Math.sqrt(vi * correct2) + epsilon) * rate;
                p[i] = (decays ? p[i] * decay : p[i]) - step;
                m[i] = mi;
                v[i] = vi;
            }
            pv.slice(from, n).write(p, 0, n);
            mv.slice(from, n).write(m, 0, n);
            vv.slice(from, n).write(v, 0, n);
        }
        for (String name : new String[] {parameter, firstMoment, secondMoment}) {
            forgetCopies(name);
        }
        optimizerNanos += System.nanoTime() - began;
    }

    /** A tensor's float values: a native-backed tensor's own buffer (not to be changed), else a copy. */
    private static FloatDataBuffer hostValues(Tensor t) {
        if (t instanceof TfTensor tf && tf.host != null) {
            return NativeFloats.view(tf.host);
        }
        return DataBuffers.of(t.toFloatArray(), true, false);
    }

    /**
     * {@inheritDoc}
     *
     * <p>TensorFlow: the draw is the host's ({@link TokenDraw#onHost}). It also marks the
     * decoding loop: from the first draw on, the scope's operations (the next decoding steps)
     * are recorded lazily and compiled, one cached graph per shape, instead of running op by
     * op (unless {@value #COMPILED_DECODING} is {@code false}).
     */
    @Override
    public TokenDraw drawTokens(Tensor logits, int[] banned, double temperature, int topK, double topP,
                                double[] uniforms) {
        TokenDraw draw = TokenDraw.onHost(logits, banned, temperature, topK, topP, uniforms);
        TfContext c = contexts.peek();
        if (tracing == null && c != null && !c.lazy
                && !"false".equalsIgnoreCase(System.getProperty(COMPILED_DECODING, "true").trim())) {
            c.lazy = true;
        }
        return draw;
    }

    /**
     * The value of a node of a lazy trace. A trace still being recorded runs now (compiled, or
     * from the cache), fetching this node and every node a later trace of its pattern used; a
     * node of a trace that already ran without fetching it is computed by running that trace's
     * graph again, and is fetched from then on.
     */
    org.tensorflow.Tensor valueOf(TfTensor t) {
        Trace trace = t.trace;
        org.tensorflow.Tensor v = trace.values.get(t.node);
        if (v != null) {
            return v;
        }
        if (trace.released || trace.inputs.stream().anyMatch(i -> i.released)) {
            throw new IllegalStateException("a value of a decoding step read after two later steps ran: its memory"
                    + " (and what computes it) is released then");
        }
        java.util.TreeSet<Integer> wanted = new java.util.TreeSet<>();
        boolean fresh = !trace.ran;
        if (trace.ran) {
            kept.computeIfAbsent(trace.pattern(), k -> new java.util.TreeSet<>()).add(t.node);
            decodeRecomputes++;
        } else {
            if (trace.scope.pending == trace) {
                trace.scope.pending = null; // later operations start a new trace
            }
            trace.ran = true;
            for (int n : kept.getOrDefault(trace.pattern(), new java.util.TreeSet<>())) {
                if (n < trace.nodes.size()) {
                    wanted.add(n);
                }
            }
        }
        wanted.add(t.node);
        String key = "decode|" + trace.key();
        CompiledGraph g = decodeGraphs.get(key);
        if (g == null) {
            long began = System.nanoTime();
            g = new CompiledGraph(trace, null, null);
            graphBuildNanos += System.nanoTime() - began;
            graphBuilds++;
            decodeGraphs.put(key, g);
        }
        graphRuns++;
        long began = System.nanoTime();
        int[] nodes = wanted.stream().mapToInt(Integer::intValue).toArray();
        try (Result out = g.runNodes(trace, name -> host(name).tensor(), nodes)) {
            for (int i = 0; i < nodes.length; i++) {
                trace.values.put(nodes[i], copyOf(out.get(i)));
            }
        } finally {
            graphRunNanos += System.nanoTime() - began;
        }
        if (fresh) {
            // Decoding keeps two generations: the values this step was fed (the previous step's,
            // needed if that step must run again for a node it did not fetch) and its own; the
            // values those were fed are released, so memory stays linear in the cache length.
            for (Trace previous : trace.inputs) {
                for (Trace older : previous.inputs) {
                    if (!trace.inputs.contains(older)) {
                        older.release();
                    }
                }
            }
        }
        return trace.values.get(t.node);
    }

    /** A native copy of a fetched value (a session's results are closed with them). */
    private static org.tensorflow.Tensor copyOf(org.tensorflow.Tensor t) {
        if (t instanceof TFloat32 f) {
            return NativeFloats.copyOf(f);
        }
        org.tensorflow.types.TInt64 l = (org.tensorflow.types.TInt64) t;
        org.tensorflow.types.TInt64 copy = org.tensorflow.types.TInt64.tensorOf(l.shape());
        l.asRawTensor().data().copyTo(copy.asRawTensor().data(), l.numBytes());
        return copy;
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
                ids[i] = traced(t, r);
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
                TFloat32 grad = (TFloat32) out.get(g.results + k);
                TFloat32 sum = writableGradient(name); // a handed-out gradient tensor keeps its value
                if (sum == null) {
                    gradients.put(name, NativeFloats.copyOf(grad));
                } else {
                    accumulate(sum, grad);
                }
            }
        }
        graphRunNanos += System.nanoTime() - began;
        return values;
    }

    /** sum += add, element by element in float32, through two heap chunks. */
    private void accumulate(TFloat32 sum, TFloat32 add) {
        FloatDataBuffer s = NativeFloats.view(sum);
        FloatDataBuffer a = NativeFloats.view(add);
        if (s.size() != a.size()) {
            throw new IllegalStateException("a gradient of " + a.size() + " values added to one of " + s.size());
        }
        float[] x = chunks[0];
        float[] y = chunks[1];
        for (long from = 0; from < s.size(); from += x.length) {
            int n = (int) Math.min(x.length, s.size() - from);
            s.slice(from, n).read(x, 0, n);
            a.slice(from, n).read(y, 0, n);
            for (int j = 0; j < n; j++) {
                x[j] += y[j];
            }
            s.slice(from, n).write(x, 0, n);
        }
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
        return NativeFloats.toArray(host(name).tensor());
    }

    /**
     * Streams a variable from native memory in {@link NativeFloats#CHUNK} values at a time,
     * converted to the stored dtype (BF16 rounded to nearest even): no {@code float[]} of the
     * tensor on the Java heap, as loading.
     */
    @Override
    public void write(String name, String storedDtype, java.io.OutputStream out) throws java.io.IOException {
        int width = switch (storedDtype) {
            case "F32" -> 4;
            case "BF16", "F16" -> 2;
            default -> throw new java.io.IOException("variable " + name + ": cannot store " + storedDtype
                    + "; valid: F32, BF16, F16");
        };
        FloatDataBuffer values = NativeFloats.view(host(name).tensor());
        long size = values.size();
        float[] chunk = chunks[0];
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(width * chunk.length)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (long from = 0; from < size; from += chunk.length) {
            int n = (int) Math.min(chunk.length, size - from);
            values.slice(from, n).read(chunk, 0, n);
            bytes.clear();
            io.mr1.models.SafeTensors.encode(chunk, 0, n, storedDtype, bytes);
            out.write(bytes.array(), 0, bytes.position());
        }
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
        decodeGraphs.values().forEach(CompiledGraph::close);
        decodeGraphs.clear();
        variables.values().forEach(Host::release);
        variables.clear();
        gradients.values().forEach(TFloat32::close);
        gradients.clear();
        gradientsLent.clear();
    }
}
