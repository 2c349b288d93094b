package io.mr1.backend.pytorch;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.mr1.models.HfEngineParity;
import io.mr1.tensor.Parameters;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parity with Hugging Face transformers on libtorch in float32 (the shared fixture): image
 * embeddings, logits, and greedy decoding with the KV cache of the tiny hub-layout checkpoint
 * ({@link HfEngineParity}, the same check as every backend's).
 */
class TorchHfParityTest {

    static Stream<Arguments> cases() {
        return HfEngineParity.CASES.stream().map(c -> Arguments.of(c[0], c[1]));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void float32LogitsAndGreedyTokensMatchTransformers(String name, String pixelsFile) throws Exception {
        try (DjlEngine engine = new DjlEngine(NDManager.newBaseManager(Device.cpu(), "PyTorch"))) {
            HfEngineParity.weights().forEach((n, e) -> engine.create(n, e.data(), e.shape(), false));
            Parameters p = engine::variable;
            engine.scoped(() -> HfEngineParity.check(name, pixelsFile, p, engine.tensors(), "libtorch"));
        }
    }
}
