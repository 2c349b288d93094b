package io.mr1.backend.pytorchnatives.probe;

import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.mr1.backend.pytorchnatives.DjlRuntime;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * Runs inside a throw-away consumer bundle that imports {@code ai.djl.*} and
 * {@code io.mr1.backend.pytorchnatives} from the natives bundle, exactly as a backend adapter
 * would. It answers in JDK types only, because the test's class loader has its own (different)
 * DJL classes.
 */
public final class NativesProbe implements Function<Path, Map<String, Object>> {

    /** Input for the gradient check; the expected gradient of sum(x*x) is 2x. */
    public static final float[] X = {1f, -2f, 0.5f, 3f};

    /** Creates the probe; the test instantiates it reflectively. */
    public NativesProbe() {}

    /**
     * Runs the checks.
     *
     * @param tokenizerJson a word-level tokenizer.json written by the test
     * @return results keyed by name
     */
    @Override
    public Map<String, Object> apply(Path tokenizerJson) {
        Map<String, Object> out = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        Engine engine = DjlRuntime.pytorch();
        out.put("engineMillis", (System.nanoTime() - t0) / 1_000_000L);
        out.put("sameEngine", DjlRuntime.pytorch() == engine);
        out.put("engineName", engine.getEngineName());
        out.put("engineVersion", engine.getVersion());
        out.put("engineLoader", engine.getClass().getClassLoader());
        out.put("runtimeLoader", DjlRuntime.classLoader());
        out.put("allEngines", String.join(",", new java.util.TreeSet<>(Engine.getAllEngines())));
        out.put("defaultEngine", Engine.getDefaultEngineName());

        try (NDManager manager = engine.newBaseManager()) {
            NDArray x = manager.create(X);
            x.setRequiresGradient(true);
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray loss = x.mul(x).sum();
                collector.backward(loss);
                out.put("loss", loss.getFloat());
            }
            out.put("gradient", x.getGradient().toFloatArray());
        }

        try {
            Callable<long[]> encode = () -> {
                try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson)) {
                    Encoding encoding = tokenizer.encode("hello world");
                    out.put("tokens", String.join(" ", encoding.getTokens()));
                    return encoding.getIds();
                }
            };
            out.put("ids", DjlRuntime.call(encode));
        } catch (Exception e) {
            throw new IllegalStateException("tokenizer failed", e);
        }
        return out;
    }
}
