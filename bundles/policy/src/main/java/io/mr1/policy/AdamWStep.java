package io.mr1.policy;

import io.mr1.tensor.Tensor;

/**
 * The settings of one AdamW update of every parameter (PyTorch's {@code torch.optim.AdamW}
 * after {@code clip_grad_norm_}), and its reference form composed on the tensor layer.
 *
 * @param learningRate the rate of this update
 * @param beta1 first-moment decay
 * @param beta2 second-moment decay
 * @param epsilon added to the root of the bias-corrected second moment
 * @param weightDecay decoupled weight decay (0: none)
 * @param gradientScale multiplies every gradient first (the global-norm clipping factor, 1: none)
 * @param update the 1-based count of updates including this one (Adam's bias correction)
 */
public record AdamWStep(double learningRate, double beta1, double beta2, double epsilon, double weightDecay,
                        double gradientScale, long update) {

    /** @return 1 - beta1^update, the first moment's bias correction */
    public double bias1() {
        return 1 - Math.pow(beta1, update);
    }

    /** @return 1 - beta2^update, the second moment's bias correction */
    public double bias2() {
        return 1 - Math.pow(beta2, update);
    }

    /**
     * The reference update, composed of tensor ops:
     * {@code m = b1 m + (1 - b1) g}, {@code v = b2 v + (1 - b2) g^2},
     * {@code p = p (1 - lr wd) - lr (m / bc1) / (sqrt(v / bc2) + eps)}, with g the scaled gradient
     * in float32. With a master copy, {@code p} is the float32 master and the parameter takes its
     * value rounded to its own dtype (bfloat16 training as DeepSpeed and Megatron do it: an update
     * of 1e-6 x a weight of 0.02 is far below bfloat16's spacing there, 2^-13, and would be lost).
     * {@link TensorEngine#adamW}'s default; a fused engine is checked against it.
     *
     * @param engine the engine holding the variables
     * @param parameter the parameter's variable
     * @param master its float32 master copy's variable, or null to update the parameter itself
     * @param firstMoment the variable of its first moment (same shape)
     * @param secondMoment the variable of its second moment (same shape)
     * @param gradient its gradient
     * @param s the settings
     */
    public static void composed(TensorEngine engine, String parameter, String master, String firstMoment,
                                String secondMoment, Tensor gradient, AdamWStep s) {
        Tensor g = s.gradientScale() == 1.0 ? gradient.toFloat32() : gradient.toFloat32().mul(s.gradientScale());
        Tensor m = engine.variable(firstMoment).mul(s.beta1()).add(g.mul(1 - s.beta1()));
        Tensor v = engine.variable(secondMoment).mul(s.beta2()).add(g.square().mul(1 - s.beta2()));
        Tensor step = m.mul(1 / s.bias1()).div(v.mul(1 / s.bias2()).sqrt().add(s.epsilon())).mul(s.learningRate());
        String target = master == null ? parameter : master;
        Tensor p = engine.variable(target);
        if (s.weightDecay() > 0) {
            p = p.mul(1 - s.learningRate() * s.weightDecay());
        }
        engine.assign(target, p.sub(step));
        if (master != null) {
            engine.assign(parameter, engine.variable(master));
        }
        engine.assign(firstMoment, m);
        engine.assign(secondMoment, v);
    }

    /**
     * {@link #composed(TensorEngine, String, String, String, String, Tensor, AdamWStep)} without a master copy.
     *
     * @param engine the engine holding the variables
     * @param parameter the parameter's variable
     * @param firstMoment the variable of its first moment (same shape)
     * @param secondMoment the variable of its second moment (same shape)
     * @param gradient its gradient
     * @param s the settings
     */
    public static void composed(TensorEngine engine, String parameter, String firstMoment, String secondMoment,
                                Tensor gradient, AdamWStep s) {
        composed(engine, parameter, null, firstMoment, secondMoment, gradient, s);
    }
}
