package io.mr1.backend.tensorflow;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.EagerSession;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * An eager scope: TF operations created here run at once, and everything the scope made is
 * released when it closes. Traced computations ({@link Trace}) have no context: they run as
 * compiled graphs.
 */
final class TfContext implements AutoCloseable {

    final EagerSession env;
    final Ops tf;
    /** Per-scope constant copies of persistent variables, by name. */
    final Map<String, Operand<TFloat32>> variables = new HashMap<>();
    /**
     * Whether operations here are recorded into lazy traces and compiled, run when a value is
     * read (decoding, {@link TfEngine#drawTokens}); false: eager.
     */
    boolean lazy;
    /** The lazy trace being recorded, or null. */
    Trace pending;
    /** Every lazy trace of this scope: their values are released when it closes at the latest. */
    final List<Trace> traces = new ArrayList<>();
    /** Native tensors that live as long as this scope (gradients handed out here, since replaced). */
    private final List<org.tensorflow.Tensor> adopted = new ArrayList<>();

    private TfContext(EagerSession env) {
        this.env = env;
        this.tf = Ops.create(env);
    }

    /**
     * System property setting TensorFlow's intra-op threads (inter-op: 1) for eager scopes and
     * graph sessions alike; unset, TensorFlow uses every core.
     */
    static final String THREADS = "mr1.tensorflow.threads";

    /** The session configuration with the thread setting of {@link #THREADS} applied. */
    static ConfigProto.Builder withThreads(ConfigProto.Builder config) {
        String value = System.getProperty(THREADS);
        if (value == null || value.isBlank()) {
            return config;
        }
        int threads;
        try {
            threads = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            threads = -1;
        }
        if (threads < 1) {
            throw new IllegalArgumentException(THREADS + "=" + value + ": expected a positive number of threads");
        }
        return config.setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(1);
    }

    static TfContext eager() {
        return new TfContext(EagerSession.options().async(false).config(withThreads(ConfigProto.newBuilder()).build()).build());
    }

    /** The variable as a constant of this scope, made once per scope. */
    Operand<TFloat32> variable(String name, TfEngine.Host host) {
        Operand<TFloat32> op = variables.get(name);
        if (op == null) {
            op = tf.constantOf(host.tensor());
            variables.put(name, op);
        }
        return op;
    }

    /** Closes the tensor when this scope closes. */
    void adopt(org.tensorflow.Tensor tensor) {
        adopted.add(tensor);
    }

    @Override
    public void close() {
        env.close();
        traces.forEach(Trace::release);
        traces.clear();
        adopted.forEach(org.tensorflow.Tensor::close);
        adopted.clear();
    }
}
