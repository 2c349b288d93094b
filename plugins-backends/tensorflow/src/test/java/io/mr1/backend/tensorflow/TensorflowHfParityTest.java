package io.mr1.backend.tensorflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.models.HfEngineParity;
import io.mr1.models.HfFixture;
import io.mr1.tensor.Parameters;
import io.mr1.tensor.TensorFactory;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parity with Hugging Face transformers on TensorFlow in float32 (the shared fixture): image
 * embeddings, logits, and greedy decoding with the KV cache of the tiny hub-layout checkpoint,
 * eagerly ({@link HfEngineParity}, the same check as every backend's), and the logits again
 * through a compiled graph (the way scoring runs).
 */
class TensorflowHfParityTest {

    static Stream<Arguments> cases() {
        return HfEngineParity.CASES.stream().map(c -> Arguments.of(c[0], c[1]));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void float32LogitsAndGreedyTokensMatchTransformers(String name, String pixelsFile) throws Exception {
        try (TfEngine engine = new TfEngine()) {
            HfEngineParity.weights().forEach((n, e) -> engine.create(n, e.data(), e.shape(), false));
            Parameters p = engine::variable;
            engine.scoped(() -> HfEngineParity.check(name, pixelsFile, p, engine.tensors(), "TensorFlow"));
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void float32LogitsMatchTransformersThroughACompiledGraph(String name, String pixelsFile) throws Exception {
        HfEngineParity.Case c = HfEngineParity.Case.read(name, pixelsFile);
        try (TfEngine engine = new TfEngine()) {
            HfEngineParity.weights().forEach((n, e) -> engine.create(n, e.data(), e.shape(), false));
            Parameters p = engine::variable;
            TensorFactory f = engine.tensors();
            float[] logits = engine.evaluate(() -> c.logits(p, f, c.features(p, f), null));
            double[] values = new double[logits.length];
            for (int i = 0; i < values.length; i++) {
                values[i] = logits[i];
            }
            double diff = HfFixture.maxAbsDiff(HfFixture.doubles(c.fixture().get("logits")), values);
            System.out.printf("%s on a TensorFlow graph: logits %.3g%n", name, diff);
            assertTrue(diff <= 1e-5, name + ": logits max abs diff " + diff);
            assertEquals(1, engine.graphBuilds(), "the forward ran as one compiled graph");
        }
    }
}
