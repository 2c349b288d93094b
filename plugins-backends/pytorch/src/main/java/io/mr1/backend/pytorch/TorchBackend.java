package io.mr1.backend.pytorch;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.mr1.api.backend.BackendInfo;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyBackend;
import io.mr1.backend.pytorchnatives.HfTokenizer;
import io.mr1.policy.EnginePolicy;
import io.mr1.policy.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import org.osgi.service.component.annotations.Component;

/**
 * The {@code pytorch} policy backend. DJL finds its engine through ServiceLoader and reads
 * resources through the thread context class loader, so every first touch of the engine
 * runs with the TCCL set to the loader that holds DJL (the resident pytorch-natives bundle
 * in the launcher, the class path in tests).
 */
@Component(service = PolicyBackend.class)
public final class TorchBackend implements PolicyBackend {

    private static final Logger LOG = Logger.getLogger(TorchBackend.class.getName());
    static final String ENGINE = "PyTorch";

    @Override
    public String name() {
        return "pytorch";
    }

    /** Runs code with the TCCL set to DJL's class loader. */
    static <T> T withEngineLoader(Callable<T> work) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(Engine.class.getClassLoader());
        try {
            return work.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    static Engine engine() throws Exception {
        return withEngineLoader(() -> Engine.getEngine(ENGINE));
    }

    @Override
    public BackendInfo info() {
        try {
            Engine engine = engine();
            List<String> devices = new ArrayList<>();
            devices.add("cpu");
            for (int i = 0; i < engine.getGpuCount(); i++) {
                devices.add("cuda:" + i);
            }
            String flavour = System.getenv().getOrDefault("PYTORCH_FLAVOR", engine.getGpuCount() > 0 ? "cuda" : "cpu");
            return new BackendInfo(ENGINE, engine.getVersion(), flavour, devices, null);
        } catch (Exception | LinkageError e) {
            return new BackendInfo(ENGINE, "?", "?", List.of(), "engine did not load: " + e);
        }
    }

    /** Parses cpu / cuda:N, falling back to cpu with a logged message when the GPU is not there. */
    static Device device(String name, Engine engine) {
        if (name == null || name.isBlank() || name.equals("cpu")) {
            return Device.cpu();
        }
        if (name.startsWith("cuda")) {
            int index = name.contains(":") ? Integer.parseInt(name.substring(name.indexOf(':') + 1)) : 0;
            if (index < engine.getGpuCount()) {
                return Device.gpu(index);
            }
            LOG.warning("device " + name + " requested but PyTorch sees " + engine.getGpuCount()
                    + " GPU(s); falling back to cpu (set PYTORCH_LIBRARY_PATH to a CUDA libtorch, see README)");
            return Device.cpu();
        }
        throw new IllegalArgumentException("unknown device '" + name + "'; valid: cpu, cuda:N");
    }

    /** float32 and bfloat16 (see the plugin's README: bfloat16 compute, float32 master weights). */
    @Override
    public java.util.Set<String> weightDtypes() {
        return java.util.Set.of("float32", "bfloat16");
    }

    @Override
    public Policy load(Path checkpoint, Path reference, String device) throws IOException {
        return load(checkpoint, reference, device, "float32", "float32");
    }

    @Override
    public Policy load(Path checkpoint, Path reference, String device, String dtype, String referenceDtype)
            throws IOException {
        try {
            return withEngineLoader(() -> {
                Engine engine = Engine.getEngine(ENGINE);
                NDManager manager = NDManager.newBaseManager(device(device, engine), ENGINE);
                try {
                    return EnginePolicy.load(new DjlEngine(manager), file -> {
                        HfTokenizer t = HfTokenizer.open(file);
                        return TextTokenizer.of(t::encode, t::decode, t::close);
                    }, checkpoint, reference, dtype, referenceDtype);
                } catch (IOException | RuntimeException e) {
                    manager.close();
                    throw e;
                }
            });
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot start the PyTorch engine: " + e, e);
        }
    }

    @Override
    public String smokeTest() {
        try {
            return withEngineLoader(() -> {
                Engine engine = Engine.getEngine(ENGINE);
                try (NDManager manager = NDManager.newBaseManager(Device.cpu(), ENGINE)) {
                    NDArray w = manager.create(new float[] {1f, -2f, 3f});
                    w.setRequiresGradient(true);
                    try (GradientCollector collector = engine.newGradientCollector()) {
                        collector.backward(w.mul(w).sum()); // forward + backward: d/dw sum(w^2) = 2w
                    }
                    w.subi(w.getGradient().mul(0.25)); // update: w - 0.25 * 2w = w / 2
                    float[] after = w.toFloatArray();
                    if (Math.abs(after[0] - 0.5f) > 1e-6 || Math.abs(after[1] + 1f) > 1e-6) {
                        return "update gave " + java.util.Arrays.toString(after) + ", expected [0.5, -1.0, 1.5]";
                    }
                }
                return null;
            });
        } catch (Exception | LinkageError e) {
            return "smoke test failed: " + e;
        }
    }
}
