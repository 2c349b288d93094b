package io.mr1.api.backend;

import java.io.IOException;
import java.nio.file.Path;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A policy backend: one engine (PyTorch through DJL, TensorFlow through TF Java ...)
 * that can load, sample from, train and save a policy. Registered as an OSGi service by
 * a backend adapter bundle; the native engine itself lives in a resident library bundle
 * below it (see docs/ARCHITECTURE.md), so the adapter can be swapped at runtime.
 */
@ConsumerType
public interface PolicyBackend {

    /**
     * The backend's name as users type it in configs and on the command line.
     *
     * @return a short lower-case name such as {@code pytorch}
     */
    String name();

    /**
     * What the backend runs on: engine and version, native flavour and visible devices.
     *
     * @return a description; never throws, reports problems in {@link BackendInfo#problem()}
     */
    BackendInfo info();

    /**
     * Loads a policy checkpoint folder ({@code config.json} + safetensors weights +
     * tokenizer) onto a device. The loaded weights also become the frozen reference
     * policy of the returned handle.
     *
     * @param checkpoint the checkpoint folder
     * @param device {@code cpu} or {@code cuda:N}; an unavailable device falls back to cpu with a logged message
     * @return the loaded policy; the caller closes it
     * @throws IOException if the folder cannot be read or is not a valid checkpoint (the message names the file)
     */
    default Policy load(Path checkpoint, String device) throws IOException {
        return load(checkpoint, checkpoint, device);
    }

    /**
     * Loads a policy to continue training: trainable weights (and optimiser state, when the
     * folder has it) from one checkpoint, the frozen reference from another — on resume the
     * reference must stay the model the run started from.
     *
     * @param checkpoint the folder with the weights to train on
     * @param reference the folder with the reference weights (the run's initial model)
     * @param device {@code cpu} or {@code cuda:N}
     * @return the loaded policy; the caller closes it
     * @throws IOException if a folder cannot be read or is not a valid checkpoint (the message names the file)
     */
    Policy load(Path checkpoint, Path reference, String device) throws IOException;

    /**
     * Loads a policy to continue training, holding the trainable weights and the frozen
     * reference in given dtypes ({@code model.dtype}, {@code model.reference_dtype}, each one of
     * {@link #weightDtypes}). The default, for backends that hold float32 only, loads with
     * {@link #load(Path, Path, String)} and refuses any other dtype.
     *
     * @param checkpoint the folder with the weights to train on
     * @param reference the folder with the reference weights (the run's initial model)
     * @param device {@code cpu} or {@code cuda:N}
     * @param dtype the weights' dtype
     * @param referenceDtype the reference's dtype
     * @return the loaded policy; the caller closes it
     * @throws IOException if a folder cannot be read or is not a valid checkpoint (the message names the file)
     * @throws IllegalArgumentException for a dtype this backend cannot hold
     * @since 2.2
     */
    default Policy load(Path checkpoint, Path reference, String device, String dtype, String referenceDtype)
            throws IOException {
        for (String d : new String[] {dtype, referenceDtype}) {
            if (!weightDtypes().contains(d)) {
                throw new IllegalArgumentException("backend '" + name() + "' cannot hold weights in " + d
                        + "; it holds " + new java.util.TreeSet<>(weightDtypes()));
            }
        }
        return load(checkpoint, reference, device);
    }

    /**
     * The dtypes this backend can hold a policy's weights and its frozen reference in, by the
     * names a run config uses ({@code model.dtype}, {@code model.reference_dtype}). A run asking
     * for another is refused before it starts.
     *
     * @return the dtypes; {@code float32} at least
     */
    default java.util.Set<String> weightDtypes() {
        return java.util.Set.of("float32");
    }

    /**
     * Runs a one-step smoke test (forward, backward, update on a tiny model).
     *
     * @return null when it passed, otherwise a description of the failure
     */
    String smokeTest();
}
