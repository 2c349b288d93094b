package io.mr1.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.PolicyLoss.Aggregation;
import io.mr1.api.backend.PolicyLoss.KlEstimator;
import io.mr1.tensor.DoubleTensor;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The weighted losses of micro-batches add up to the loss of the whole batch, on the reference engine. */
class MicroBatchWeightTest {

    private static final TensorFactory F = DoubleTensor.FACTORY;

    @Test
    void weightedMicroBatchLossesSumToTheWholeBatchLoss() {
        Random random = new Random(1);
        int batch = 5;
        int width = 4;
        int[] lens = {4, 1, 3, 0, 2};
        double[] logp = new double[batch * width];
        double[] old = new double[batch * width];
        double[] ref = new double[batch * width];
        double[] mask = new double[batch * width];
        double[] adv = new double[batch];
        long totalTokens = 0;
        for (int i = 0; i < batch; i++) {
            adv[i] = random.nextGaussian();
            totalTokens += lens[i];
            for (int t = 0; t < lens[i]; t++) {
                int k = i * width + t;
                logp[k] = -1 - random.nextDouble();
                old[k] = logp[k] + random.nextGaussian() * 0.3;
                ref[k] = logp[k] + random.nextGaussian() * 0.3;
                mask[k] = 1;
            }
        }
        for (Aggregation aggregation : Aggregation.values()) {
            PolicyLoss.Grpo spec = new PolicyLoss.Grpo(0.04, 0.2, 0.28, KlEstimator.K3, aggregation, 6);
            double whole = grpo(spec, logp, old, ref, mask, adv, 0, batch, width);
            double parts = 0;
            for (int from = 0; from < batch; from += 2) {
                int to = Math.min(batch, from + 2);
                long tokens = 0;
                for (int i = from; i < to; i++) {
                    tokens += lens[i];
                }
                parts += GrpoLoss.microBatchWeight(aggregation, to - from, tokens, batch, totalTokens)
                        * grpo(spec, logp, old, ref, mask, adv, from, to, width);
            }
            assertEquals(whole, parts, 1e-12, aggregation.toString());
        }
        double wholeSft = SftLoss.compute(F.constant(logp, batch, width), F.constant(mask, batch, width)).toScalar();
        double partsSft = 0;
        for (int from = 0; from < batch; from += 2) {
            int to = Math.min(batch, from + 2);
            long tokens = 0;
            for (int i = from; i < to; i++) {
                tokens += lens[i];
            }
            partsSft += SftLoss.microBatchWeight(tokens, totalTokens) * SftLoss.compute(
                    slice(logp, from, to, width), slice(mask, from, to, width)).toScalar();
        }
        assertEquals(wholeSft, partsSft, 1e-12, "SFT");
    }

    @Test
    void sftLossEqualsItsReference() {
        double[] logp = {-1, -2, 0, -0.5, 0, 0};
        double[] mask = {1, 1, 0, 1, 0, 0};
        double loss = SftLoss.compute(F.constant(logp, 2, 3), F.constant(mask, 2, 3)).toScalar();
        assertEquals(3.5 / 3, loss, 1e-12);
        assertEquals(3.5 / 3, SftLoss.reference(new double[][] {{-1, -2}, {-0.5}}), 1e-12);
    }

    private static Tensor slice(double[] values, int from, int to, int width) {
        double[] out = new double[(to - from) * width];
        System.arraycopy(values, from * width, out, 0, out.length);
        return F.constant(out, to - from, width);
    }

    private static double grpo(PolicyLoss.Grpo spec, double[] logp, double[] old, double[] ref, double[] mask,
                               double[] adv, int from, int to, int width) {
        double[] a = new double[to - from];
        System.arraycopy(adv, from, a, 0, a.length);
        return GrpoLoss.compute(spec, slice(logp, from, to, width), slice(old, from, to, width),
                slice(ref, from, to, width), F.constant(a, a.length, 1), slice(mask, from, to, width)).loss().toScalar();
    }
}
