package io.mr1.trainer.run;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.kl.KlSchedule;
import io.mr1.api.plugin.PluginRegistry;
import io.mr1.trainer.grpo.GrpoAlgorithm;
import io.mr1.trainer.grpo.GrpoSettings;
import io.mr1.trainer.grpo.LiveRewards;
import io.mr1.trainer.grpo.RewardAggregator;
import io.mr1.trainer.loop.LearningRateSchedule;
import io.mr1.trainer.loop.StepAlgorithm;
import io.mr1.trainer.loop.TrainingListener;
import io.mr1.trainer.metrics.JsonlMetricsSink;
import io.mr1.trainer.metrics.Progress;
import io.mr1.trainer.metrics.ReportToListener;
import io.mr1.trainer.metrics.SamplesWriter;
import io.mr1.trainer.sft.SftAlgorithm;
import java.io.PrintStream;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The parts of one run, bound in a child of the trainer's private injector: the step
 * algorithm the configuration names (GRPO-D or SFT, with the learning-rate schedule and, for
 * GRPO-D, a fresh KL schedule) and the loop's listeners in the order they run — metrics.jsonl,
 * the report_to reporters (TensorBoard), progress, samples.jsonl, evaluation, the stop signal. Adding a listener is one line here.
 */
final class RunModule extends AbstractModule {

    private final TrainingSession.Prepared prepared;
    private final RunFolder folder;
    private final long totalSteps;
    private final PrintStream out;
    private final boolean terminal;
    private final BooleanSupplier stop;

    RunModule(TrainingSession.Prepared prepared, RunFolder folder, long totalSteps, PrintStream out, boolean terminal,
              BooleanSupplier stop) {
        this.prepared = prepared;
        this.folder = folder;
        this.totalSteps = totalSteps;
        this.out = out;
        this.terminal = terminal;
        this.stop = stop;
    }

    @Override
    protected void configure() {
        bind(TrainingSession.Prepared.class).toInstance(prepared);
        bind(RunFolder.class).toInstance(folder);
    }

    @Provides
    @Singleton
    LearningRateSchedule learningRate() {
        return prepared.config().optimizer().schedule(totalSteps);
    }

    @Provides
    @Singleton
    StepAlgorithm algorithm(LearningRateSchedule learningRate, PluginRegistry registry) {
        RunConfig c = prepared.config();
        if (c.algorithm().equals("sft")) {
            return new SftAlgorithm(c.sftTemplate(), learningRate, c.sftMicroBatchSize());
        }
        RunConfig.Grpo g = c.grpo();
        GrpoSettings settings = new GrpoSettings(new SamplingParams(g.numGenerations(), g.temperature(), g.topP(),
                g.topK(), g.maxCompletionLength(), c.seed()), g.mu(), g.epsilon(), g.epsilonHigh(), g.estimator(),
                g.aggregation(), g.scaleRewards(), io.mr1.objective.Advantages.DEFAULT_EPS, learningRate,
                g.microBatchSize());
        KlSchedule schedule = prepared.scheduleProvider().create(c.klSchedule().overrides());
        // One aggregator per run: which rewards time out (and are disabled) is this run's business.
        RewardAggregator aggregator = new RewardAggregator(
                java.time.Duration.ofNanos(Math.round(g.rewardTimeout() * 1e9)), m -> out.println("mr1 train: " + m),
                stop);
        // Rewards as installed at each step: one removed mid-run leaves R, returns when it is back.
        LiveRewards rewards = new LiveRewards(registry, prepared.rewards(), m -> out.println("mr1 train: " + m));
        return new GrpoAlgorithm(aggregator, rewards, schedule, settings);
    }

    @Provides
    @Singleton
    Progress progress() {
        RunConfig c = prepared.config();
        return new Progress(out, terminal, c.algorithm().equals("sft") ? "sft " : "grpo", totalSteps, c.logEvery());
    }

    @Provides
    @Singleton
    Evaluation evaluation(Progress progress) {
        RunConfig c = prepared.config();
        return new Evaluation(c, folder, prepared.backend(), prepared.task(), prepared.eval(), progress,
                stop);
    }

    @Provides
    List<TrainingListener> listeners(Progress progress, Evaluation evaluation, Reporters reporters) {
        return List.of(new JsonlMetricsSink(folder.metrics()),
                new ReportToListener(reporters.resolve(prepared.config().reportTo()), folder.dir(),
                        prepared.config().samplesEvery()), progress,
                new SamplesWriter(folder.samples(), prepared.config().samplesEvery()), evaluation,
                new StopSignal(stop));
    }
}
