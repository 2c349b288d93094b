package io.mr1.backend.tensorflow;

import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import io.mr1.backend.conformance.BackendConformanceKit;
import io.mr1.policy.EnginePolicy;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.List;
import java.util.function.Function;

/** The conformance kit, run against the TensorFlow backend. */
class TensorflowConformanceTest extends BackendConformanceKit {

    private TfEngine engine;

    @Override
    protected PolicyBackend backend() {
        return new TensorflowBackend();
    }

    @Override
    protected <T> T withTensors(Function<TensorFactory, T> work) {
        engine = new TfEngine();
        try {
            return engine.scoped(() -> work.apply(engine.tensors()));
        } finally {
            engine.close();
            engine = null;
        }
    }

    /** The gradient through a graph: the point becomes a trainable variable of the engine. */
    @Override
    protected double[] gradient(TensorFactory tensors, double[] x, long[] shape, Function<Tensor, Tensor> f) {
        float[] values = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            values[i] = (float) x[i];
        }
        engine.create("x", values, shape, true);
        engine.zeroGradients();
        engine.backward(() -> new Tensor[] {f.apply(engine.variable("x"))});
        Tensor g = engine.gradient("x");
        return g == null ? new double[x.length] : g.toDoubleArray();
    }

    @Override
    protected List<List<Completion>> sampleWithoutCache(Policy policy, List<Prompt> prompts, SamplingParams params) {
        return ((EnginePolicy) policy).sample(prompts, params, false);
    }
}
