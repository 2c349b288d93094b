package io.mr1.policy;

import io.mr1.api.backend.OptimizerSettings;
import io.mr1.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW with global-norm gradient clipping, written once on the tensor layer (PyTorch's
 * {@code clip_grad_norm_} then {@code torch.optim.AdamW}): the norm over every gradient is
 * one reduction on the device read once per step (the step's one host sync), then every
 * parameter is updated by {@link TensorEngine#adamW}: the composed reference
 * {@link AdamWStep#composed} unless the engine fuses it.
 * Moments live in the engine as variables {@code m.NAME} and {@code v.NAME} (the names of
 * {@code optimizer.safetensors}); a parameter that never had a gradient has none, as in PyTorch.
 *
 * <p>A parameter held in a narrower dtype than float32 (bfloat16) gets a float32 master copy
 * {@code master.NAME}, made from the parameter at its first update (or read back from the
 * optimiser state on resume): the update goes to the master, which is rounded into the
 * parameter. Moments are float32 always.
 */
final class AdamW {

    /** Variable-name prefix of the first moments. */
    static final String FIRST = "m.";
    /** Variable-name prefix of the second moments. */
    static final String SECOND = "v.";
    /** Variable-name prefix of the float32 master copies of narrower parameters. */
    static final String MASTER = "master.";

    private final TensorEngine engine;
    private final List<String> parameters;
    private long updates;

    AdamW(TensorEngine engine, List<String> parameters, long updates) {
        this.engine = engine;
        this.parameters = List.copyOf(parameters);
        this.updates = updates;
    }

    /** @return optimiser updates taken so far (Adam's bias-correction step) */
    long updates() {
        return updates;
    }

    /**
     * Clips the accumulated gradients to the global norm, updates every parameter that has a
     * gradient, and resets the gradients.
     *
     * @param o hyper-parameters
     * @param learningRate the rate of this update
     * @return the global gradient norm before clipping
     */
    double update(OptimizerSettings o, double learningRate) {
        return engine.scoped(() -> {
            List<String> names = new ArrayList<>();
            List<Tensor> grads = new ArrayList<>();
            for (String name : parameters) {
                Tensor g = engine.gradient(name);
                if (g != null) { // null: the parameter took no part in any step yet (PyTorch optimisers skip it too)
                    names.add(name);
                    grads.add(g);
                }
            }
            if (grads.isEmpty()) {
                return 0.0;
            }
            // The step's one host sync: the clipping factor is a plain number for every update.
            double norm = Math.sqrt(engine.sumOfSquares(grads).toScalar());
            double scale = o.maxGradNorm() > 0 && norm > o.maxGradNorm() ? o.maxGradNorm() / (norm + 1e-6) : 1.0;
            updates++;
            AdamWStep step = new AdamWStep(learningRate, o.beta1(), o.beta2(), o.epsilon(), o.weightDecay(), scale,
                    updates);
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i);
                moment(FIRST + name, name);
                moment(SECOND + name, name);
                engine.adamW(name, master(name), FIRST + name, SECOND + name, grads.get(i), step);
            }
            engine.zeroGradients();
            return norm;
        });
    }

    /** The float32 master copy of a narrower parameter (made from it when missing), or null for a float32 one. */
    private String master(String parameter) {
        if (engine.dtype(parameter).equals("float32")) {
            return null;
        }
        String master = MASTER + parameter;
        if (!engine.contains(master)) {
            engine.createZeros(master, engine.shape(parameter), false);
            engine.assign(master, engine.variable(parameter).detach().toFloat32());
        }
        return master;
    }

    private void moment(String variable, String parameter) {
        if (!engine.contains(variable)) {
            engine.createZeros(variable, engine.shape(parameter), false);
        }
    }
}
