package io.mr1.backend.tensorflow;

import java.util.HashMap;
import java.util.Map;
import org.tensorflow.EagerSession;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
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

    private TfContext(EagerSession env) {
        this.env = env;
        this.tf = Ops.create(env);
    }

    static TfContext eager() {
        return new TfContext(EagerSession.options().async(false).build());
    }

    /** The variable as a constant of this scope, made once per scope. */
    Operand<TFloat32> variable(String name, TfEngine.Host host) {
        Operand<TFloat32> op = variables.get(name);
        if (op == null) {
            op = tf.constant(Shape.of(host.shape()), DataBuffers.of(host.values(), true, false));
            variables.put(name, op);
        }
        return op;
    }

    /** Reads one operand's value to the host. */
    <R> R read(Operand<?> operand, java.util.function.Function<org.tensorflow.Tensor, R> reader) {
        return reader.apply(operand.asTensor());
    }

    @Override
    public void close() {
        env.close();
    }
}
