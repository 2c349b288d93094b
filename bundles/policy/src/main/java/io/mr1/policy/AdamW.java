package io.mr1.policy;

import io.mr1.api.backend.OptimizerSettings;
import io.mr1.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW with global-norm gradient clipping, written once on the tensor layer (PyTorch's
 * {@code clip_grad_norm_} then {@code torch.optim.AdamW}): the norm over every gradient is
 * one reduction read once per step (not one host read per parameter), each moment is
 * updated as {@code m = b1 m + (1 - b1) g}, {@code v = b2 v + (1 - b2) g^2}, and the
 * parameter as {@code p = p (1 - lr wd) - lr (m / bc1) / (sqrt(v / bc2) + eps)}.
 * Moments live in the engine as variables {@code m.NAME} and {@code v.NAME} (the names of
 * {@code optimizer.safetensors}); a parameter that never had a gradient has none, as in PyTorch.
 */
final class AdamW {

    /** Variable-name prefix of the first moments. */
    static final String FIRST = "m.";
    /** Variable-name prefix of the second moments. */
    static final String SECOND = "v.";

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
            Tensor squares = null;
            for (String name : parameters) {
                Tensor g = engine.gradient(name);
                if (g != null) { // null: the parameter took no part in any step yet (PyTorch optimisers skip it too)
                    names.add(name);
                    grads.add(g);
                    Tensor s = g.square().sum();
                    squares = squares == null ? s : squares.add(s);
                }
            }
            if (squares == null) {
                return 0.0;
            }
            double norm = Math.sqrt(squares.toScalar());
            double scale = o.maxGradNorm() > 0 && norm > o.maxGradNorm() ? o.maxGradNorm() / (norm + 1e-6) : 1.0;
            updates++;
            double bias1 = 1 - Math.pow(o.beta1(), updates);
            double bias2 = 1 - Math.pow(o.beta2(), updates);
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i);
                Tensor g = scale == 1.0 ? grads.get(i) : grads.get(i).mul(scale);
                Tensor m = moment(FIRST + name, name).mul(o.beta1()).add(g.mul(1 - o.beta1()));
                Tensor v = moment(SECOND + name, name).mul(o.beta2()).add(g.square().mul(1 - o.beta2()));
                Tensor step = m.mul(1 / bias1).div(v.mul(1 / bias2).sqrt().add(o.epsilon())).mul(learningRate);
                Tensor p = engine.variable(name);
                if (o.weightDecay() > 0) {
                    p = p.mul(1 - learningRate * o.weightDecay());
                }
                engine.assign(name, p.sub(step));
                engine.assign(FIRST + name, m);
                engine.assign(SECOND + name, v);
            }
            engine.zeroGradients();
            return norm;
        });
    }

    private Tensor moment(String variable, String parameter) {
        if (!engine.contains(variable)) {
            engine.createZeros(variable, engine.shape(parameter), false);
        }
        return engine.variable(variable);
    }
}
