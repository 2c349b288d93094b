package io.mr1.tensor;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A model's named trainable parameters, owned by a backend: the backend allocates them
 * (from the model's parameter specs or a checkpoint), records their gradients and
 * updates them with its optimiser. Model code only reads them by name.
 */
@ConsumerType
public interface Parameters {

    /**
     * @param name the parameter's name (Hugging Face naming, e.g. {@code model.norm.weight})
     * @return the parameter as a tensor of the backend's engine
     * @throws IllegalArgumentException for an unknown name
     */
    Tensor get(String name);
}
