package io.mr1.backend.tensorflow;

import io.mr1.policy.TensorEngine;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The {@link TensorEngine} on TensorFlow Java (CPU). TF Java computes gradients only in a
 * graph, so the engine has two modes:
 * <ul>
 *   <li>{@link #scoped} work (scoring, sampling, the optimiser update) runs eagerly in an
 *       eager session that is closed, with everything it made, when the work returns;</li>
 *   <li>{@link #backward} builds the forward as a new graph in which every variable is a
 *       placeholder, adds the symbolic gradients of the first result with respect to the
 *       trainable variables used ({@code Graph.addGradients}), runs the graph once and adds
 *       the gradients into per-variable host buffers.</li>
 * </ul>
 * Variables (parameters, the frozen reference, optimiser moments) and gradients live on the
 * Java heap as float arrays; {@link #assign} replaces a variable's values. One graph is built
 * per backward call ({@link #graphBuilds()} counts them): correctness first, no cache yet.
 */
final class TfEngine implements TensorEngine {

    /** A persistent variable's host values. */
    record Host(float[] values, long[] shape) {
        TFloat32 toTensor() {
            return TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false));
        }
    }

    private final Map<String, Host> variables = new LinkedHashMap<>();
    private final Map<String, float[]> gradients = new HashMap<>();
    private final java.util.Set<String> trainable = new java.util.HashSet<>();
    private final Deque<TfContext> contexts = new ArrayDeque<>();
    private final TfContext base;
    private final TensorFactory tensors;
    private long graphBuilds;

    TfEngine() {
        this.base = TfContext.eager();
        this.tensors = TfTensor.factory(this);
    }

    /** @return how many graphs {@link #backward} has built so far */
    long graphBuilds() {
        return graphBuilds;
    }

    TfContext current() {
        TfContext c = contexts.peek();
        return c == null ? base : c;
    }

    /**
     * The tensor's operand in the current context: itself when it was made there, otherwise a
     * constant copy of its value (a tensor made in an outer eager scope and used in a graph).
     */
    Operand<?> inCurrent(TfTensor t) {
        TfContext c = current();
        if (t.context == c) {
            return t.operand;
        }
        Shape shape = t.operand.shape();
        if (t.operand.type() == TInt64.class) {
            double[] d = t.toDoubleArray();
            long[] l = new long[d.length];
            for (int i = 0; i < d.length; i++) {
                l[i] = (long) d[i];
            }
            return c.tf.constant(shape, DataBuffers.of(l, true, false));
        }
        return c.tf.constant(shape, DataBuffers.of(t.toFloatArray(), true, false));
    }

    @Override
    public TensorFactory tensors() {
        return tensors;
    }

    @Override
    public <T> T scoped(Supplier<T> work) {
        if (current().graph) {
            return work.get(); // inside a graph being built: the graph is the scope
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

    @Override
    public void create(String name, float[] values, long[] shape, boolean trainable) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException("variable " + name + ": " + values.length + " values for shape "
                    + java.util.Arrays.toString(shape));
        }
        variables.put(name, new Host(values.clone(), shape.clone()));
        gradients.remove(name);
        if (trainable) {
            this.trainable.add(name);
        } else {
            this.trainable.remove(name);
        }
        forgetCached(name);
    }

    /** Drops the open contexts' copies of a variable whose values changed. */
    private void forgetCached(String name) {
        base.variables.remove(name);
        for (TfContext c : contexts) {
            if (!c.graph) {
                c.variables.remove(name);
            }
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
        TfContext c = current();
        return new TfTensor(this, c, c.variable(name, host(name)));
    }

    @Override
    public void assign(String name, Tensor value) {
        Host target = host(name);
        float[] values = value.toFloatArray();
        if (values.length != target.values().length) {
            throw new IllegalArgumentException("assign " + name + ": " + values.length + " values for shape "
                    + java.util.Arrays.toString(target.shape()));
        }
        variables.put(name, new Host(values, target.shape()));
        forgetCached(name);
    }

    @Override
    public Tensor gradient(String name) {
        float[] g = gradients.get(name);
        if (g == null) {
            return null;
        }
        TfContext c = current();
        return new TfTensor(this, c, c.tf.constant(Shape.of(host(name).shape()), DataBuffers.of(g, true, false)));
    }

    @Override
    public void zeroGradients() {
        // as PyTorch: a gradient once computed stays, zeroed (AdamW then still decays its moments)
        gradients.values().forEach(g -> java.util.Arrays.fill(g, 0f));
    }

    @Override
    public double[] backward(Supplier<Tensor[]> forward) {
        if (current().graph) {
            throw new IllegalStateException("backward inside backward");
        }
        TfContext graph = TfContext.graph();
        graphBuilds++;
        contexts.push(graph);
        try {
            Tensor[] results = forward.get();
            List<String> names = new ArrayList<>();
            List<Output<?>> xs = new ArrayList<>();
            for (Map.Entry<String, Operand<TFloat32>> v : graph.variables.entrySet()) {
                if (trainable.contains(v.getKey())) {
                    names.add(v.getKey());
                    xs.add(v.getValue().asOutput());
                }
            }
            Operand<TFloat32> loss = ((TfTensor) results[0]).floats();
            Output<?>[] grads = xs.isEmpty() ? new Output<?>[0]
                    : ((Graph) graph.env).addGradients(loss.asOutput(), xs.toArray(new Output<?>[0]));
            List<Operand<?>> fetches = new ArrayList<>();
            for (Tensor r : results) {
                fetches.add(((TfTensor) r).floats());
            }
            List<Integer> fetched = new ArrayList<>();
            for (int i = 0; i < grads.length; i++) {
                if (grads[i] != null) { // null: the loss does not depend on this variable
                    fetched.add(i);
                    fetches.add(grads[i]);
                }
            }
            double[] values = new double[results.length];
            try (Result out = graph.run(fetches.toArray(new Operand<?>[0]))) {
                for (int i = 0; i < results.length; i++) {
                    values[i] = TfTensor.floatsOf(out.get(i))[0];
                }
                for (int k = 0; k < fetched.size(); k++) {
                    String name = names.get(fetched.get(k));
                    float[] g = TfTensor.floatsOf(out.get(results.length + k));
                    float[] sum = gradients.get(name);
                    if (sum == null) {
                        gradients.put(name, g);
                    } else {
                        for (int j = 0; j < g.length; j++) {
                            sum[j] += g[j];
                        }
                    }
                }
            }
            return values;
        } finally {
            contexts.pop();
            graph.close();
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
        variables.clear();
        gradients.clear();
    }
}
