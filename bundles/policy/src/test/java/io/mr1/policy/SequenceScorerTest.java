package io.mr1.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mr1.api.types.Prompt;
import io.mr1.models.ModelConfig;
import io.mr1.models.Qwen2VlModel;
import io.mr1.tensor.DoubleTensor;
import io.mr1.tensor.Parameters;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Scoring without gradient in chunks of rows gives what one pass over every row gives. */
class SequenceScorerTest {

    private static final TensorFactory F = DoubleTensor.FACTORY;

    /** A 20-token text-only Qwen2-VL (ids 0 pad, 3 eos, 4-6 vision markers) with a character tokenizer. */
    private static ModelConfig config() {
        return new ModelConfig(ModelConfig.MODEL_TYPE, 20, 16, 24, 2, 4, 2, 1e-6, 10000, 64, true,
                List.of(1, 0, 1), 5, 4, 6, 3, 0, null, List.of());
    }

    private static final TextTokenizer CHARACTERS = new TextTokenizer() {
        @Override
        public long[] encode(String text) {
            return text.chars().mapToLong(c -> 7 + c % 13).toArray();
        }

        @Override
        public String decode(long[] ids) {
            return "";
        }

        @Override
        public void close() {
        }
    };

    private static Parameters init(Qwen2VlModel model) {
        Random random = new Random(7);
        Map<String, Tensor> values = new HashMap<>();
        model.parameters().forEach((name, spec) -> {
            double[] v = new double[(int) spec.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = spec.init() == io.mr1.models.ParamSpec.Init.ONES ? 1 : random.nextGaussian() * 0.3;
            }
            values.put(name, F.constant(v, spec.shape()));
        });
        return values::get;
    }

    @Test
    void chunkedScoringWithoutGradientEqualsOnePass() {
        Qwen2VlModel model = new Qwen2VlModel(config());
        Parameters p = init(model);
        PromptEncoder encoder = new PromptEncoder(model.config(), null, CHARACTERS);
        int width = 5;
        // One row's logits per chunk (width x vocab values), so four rows take four chunks.
        SequenceScorer chunked = new SequenceScorer(model, encoder, new int[] {4, 5, 6}, n -> n, width * 20L);
        SequenceScorer whole = new SequenceScorer(model, encoder, new int[] {4, 5, 6}, n -> n);
        List<int[]> completions = List.of(new int[] {8, 9, 10}, new int[] {11, 12, 13, 14, 15}, new int[] {16},
                new int[] {17, 18});
        // Distinct prompts (one pass per row), then a group sharing one prompt (the shared-prefix pass).
        for (List<Prompt> prompts : List.of(
                List.of(Prompt.text("a", "two"), Prompt.text("b", "three"), Prompt.text("c", "four"),
                        Prompt.text("d", "five")),
                List.of(Prompt.text("a", "two"), Prompt.text("a", "two"), Prompt.text("a", "two"),
                        Prompt.text("a", "two")))) {
            double[] expected = whole.completionLogProbs(p, F, prompts, completions, width, true).toDoubleArray();
            double[] actual = chunked.completionLogProbs(p, F, prompts, completions, width, false).toDoubleArray();
            assertEquals(4 * width, actual.length);
            assertArrayEquals(expected, actual, 1e-12);
        }
    }
}
