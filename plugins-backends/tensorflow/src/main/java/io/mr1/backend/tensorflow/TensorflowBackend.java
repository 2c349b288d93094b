package io.mr1.backend.tensorflow;

import io.mr1.api.backend.BackendInfo;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyBackend;
import io.mr1.backend.pytorchnatives.HfTokenizer;
import io.mr1.policy.EnginePolicy;
import io.mr1.policy.TextTokenizer;
import io.mr1.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;
import org.osgi.service.component.annotations.Component;
import org.tensorflow.TensorFlow;

/**
 * The {@code tensorflow} policy backend on TensorFlow Java (TF 2.18 natives, CPU). TF Java
 * and its natives come from the resident tensorflow-natives bundle; this adapter can be
 * replaced at run time.
 */
@Component(service = PolicyBackend.class)
public final class TensorflowBackend implements PolicyBackend {

    private static final Logger LOG = Logger.getLogger(TensorflowBackend.class.getName());
    static final String ENGINE = "TensorFlow";

    @Override
    public String name() {
        return "tensorflow";
    }

    @Override
    public BackendInfo info() {
        try {
            return new BackendInfo(ENGINE, TensorFlow.version(), "cpu", List.of("cpu"), null);
        } catch (Exception | LinkageError e) {
            return new BackendInfo(ENGINE, "?", "?", List.of(), "engine did not load: " + e);
        }
    }

    static void checkDevice(String device) {
        if (device == null || device.isBlank() || device.equals("cpu")) {
            return;
        }
        if (device.startsWith("cuda")) {
            LOG.warning("device " + device + " requested but this TensorFlow backend runs on cpu"
                    + " (the adapter places no work on a GPU yet, see its README); using cpu");
            return;
        }
        throw new IllegalArgumentException("unknown device '" + device + "'; valid: cpu, cuda:N");
    }

    @Override
    public Policy load(Path checkpoint, Path reference, String device) throws IOException {
        checkDevice(device);
        TfEngine engine;
        try {
            engine = new TfEngine();
        } catch (Exception | LinkageError e) {
            throw new IOException("cannot start the TensorFlow engine: " + e, e);
        }
        try {
            return EnginePolicy.load(engine, file -> {
                HfTokenizer t = HfTokenizer.open(file);
                return TextTokenizer.of(t::encode, t::decode, t::close);
            }, checkpoint, reference);
        } catch (IOException | RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    @Override
    public String smokeTest() {
        try (TfEngine engine = new TfEngine()) {
            engine.create("w", new float[] {1f, -2f, 3f}, new long[] {3}, true);
            // forward + backward in a graph: d/dw sum(w^2) = 2w
            engine.scoped(() -> engine.backward(() -> new Tensor[] {engine.variable("w").square().sum()}));
            // update, eagerly: w - 0.25 * 2w = w / 2
            engine.scoped(() -> {
                engine.assign("w", engine.variable("w").sub(engine.gradient("w").mul(0.25)));
                return null;
            });
            float[] after = engine.read("w");
            if (Math.abs(after[0] - 0.5f) > 1e-6 || Math.abs(after[1] + 1f) > 1e-6 || Math.abs(after[2] - 1.5f) > 1e-6) {
                return "update gave " + java.util.Arrays.toString(after) + ", expected [0.5, -1.0, 1.5]";
            }
            return null;
        } catch (Exception | LinkageError e) {
            return "smoke test failed: " + e;
        }
    }
}
