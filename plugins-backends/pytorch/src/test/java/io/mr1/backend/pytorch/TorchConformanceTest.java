package io.mr1.backend.pytorch;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyBackend;
import io.mr1.policy.EnginePolicy;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import io.mr1.backend.conformance.BackendConformanceKit;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.List;
import java.util.function.Function;

/** The conformance kit, run against the PyTorch backend. */
class TorchConformanceTest extends BackendConformanceKit {

    @Override
    protected PolicyBackend backend() {
        return new TorchBackend();
    }

    @Override
    protected <T> T withTensors(Function<TensorFactory, T> work) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), TorchBackend.ENGINE)) {
            return work.apply(DjlTensor.factory(manager));
        }
    }

    @Override
    protected double[] gradient(TensorFactory tensors, double[] x, long[] shape, Function<Tensor, Tensor> f) {
        NDArray leaf = ((DjlTensor) tensors.constant(x, shape)).array;
        leaf.setRequiresGradient(true);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(((DjlTensor) f.apply(new DjlTensor(leaf))).array);
        }
        return leaf.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
    }

    @Override
    protected List<List<Completion>> sampleWithoutCache(Policy policy, List<Prompt> prompts, SamplingParams params) {
        return ((EnginePolicy) policy).sample(prompts, params, false);
    }

}
