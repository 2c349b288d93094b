package io.mr1.trainer.internal;

import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.kl.KlSchedule;
import io.mr1.api.task.Sample;
import io.mr1.api.types.StepStats;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.logging.Logger;

/**
 * A GRPO-D training run: steps over the data in seeded shuffled order, writes metrics
 * to every sink, checkpoints every K steps and at the end, and resumes from the latest
 * checkpoint so that the metric stream continues exactly as an uninterrupted run with the
 * same seed would have produced it.
 */
public final class GrpoRun {

    private static final Logger LOG = Logger.getLogger(GrpoRun.class.getName());

    private final GrpoAlgorithm algorithm;
    private final CheckpointStore checkpoints;

    /** One optimisation step of some algorithm (GRPO-D, SFT) over a batch of samples. */
    public interface StepFunction {
        /**
         * Runs the step.
         *
         * @param policy the policy being trained
         * @param batch the step's samples
         * @param step s
         * @param totalSteps t
         * @return what the step produced
         */
        GrpoAlgorithm.Outcome step(Policy policy, List<Sample> batch, long step, long totalSteps);
    }

    /** Called after every step (samples, periodic evaluation ...). */
    public interface StepHook {
        /**
         * After a step.
         *
         * @param policy the policy (after the update)
         * @param outcome what the step produced
         * @throws IOException if the hook cannot write
         */
        void afterStep(Policy policy, GrpoAlgorithm.Outcome outcome) throws IOException;
    }

    /**
     * Creates the run driver.
     *
     * @param algorithm one GRPO-D step
     * @param checkpoints the checkpoint store
     */
    @Inject
    public GrpoRun(GrpoAlgorithm algorithm, CheckpointStore checkpoints) {
        this.algorithm = algorithm;
        this.checkpoints = checkpoints;
    }

    /**
     * What to train.
     *
     * @param data the training samples
     * @param rewards rewards and weights
     * @param settings GRPO-D settings (their sampling seed is the run's seed)
     * @param totalSteps t
     * @param batchSize prompts per step
     * @param checkpointEvery steps between checkpoints (0: only at the end)
     * @param runDir where checkpoints and metrics go
     * @param initialModel the checkpoint folder the run starts from (and the frozen reference)
     * @param device cpu or cuda:N
     */
    public record Spec(List<Sample> data, List<WeightedReward> rewards, GrpoSettings settings, long totalSteps,
                       int batchSize, int checkpointEvery, Path runDir, Path initialModel, String device) {
        /** Validates the sizes. */
        public Spec {
            data = List.copyOf(data);
            if (data.isEmpty()) {
                throw new IllegalArgumentException("no training data");
            }
            if (totalSteps < 1 || batchSize < 1 || checkpointEvery < 0) {
                throw new IllegalArgumentException("need totalSteps >= 1, batchSize >= 1, checkpointEvery >= 0");
            }
        }
    }

    /**
     * The samples of one step: consecutive slices of a per-epoch seeded permutation, so
     * the data position is a pure function of (seed, step) and needs no extra state.
     *
     * @param data all samples
     * @param batchSize prompts per step
     * @param seed the run's seed
     * @param step the step
     * @return the step's samples
     */
    static List<Sample> batch(List<Sample> data, int batchSize, long seed, long step) {
        List<Sample> out = new ArrayList<>(batchSize);
        long first = step * batchSize;
        List<Integer> order = null;
        long orderEpoch = -1;
        for (long k = first; k < first + batchSize; k++) {
            long epoch = k / data.size();
            if (epoch != orderEpoch) {
                order = new ArrayList<>();
                for (int i = 0; i < data.size(); i++) {
                    order.add(i);
                }
                Collections.shuffle(order, new Random(seed * 31 + epoch));
                orderEpoch = epoch;
            }
            out.add(data.get(order.get((int) (k % data.size()))));
        }
        return out;
    }

    /**
     * Runs (or resumes) training to the end.
     *
     * @param backend the policy backend
     * @param schedule the KL schedule (fresh; its state is restored on resume)
     * @param spec what to train
     * @param sinks where metrics go
     * @param stop checked between steps; when it returns true a checkpoint is written and the run returns early
     * @return the last step's metrics, or empty when there was nothing left to run
     * @throws IOException if loading, saving or a sink fails
     */
    public Optional<StepStats> run(PolicyBackend backend, KlSchedule schedule, Spec spec, List<MetricsSink> sinks,
                                   java.util.function.BooleanSupplier stop) throws IOException {
        StepFunction grpo = (policy, batch, step, total) -> algorithm.step(policy, batch, spec.rewards(), schedule,
                step, total, spec.settings());
        return run(backend, schedule, spec, grpo, sinks, (policy, outcome) -> { }, stop);
    }

    /**
     * Runs (or resumes) training with any step function.
     *
     * @param backend the policy backend
     * @param schedule state to checkpoint and restore with the run (a no-op schedule for SFT)
     * @param spec what to train
     * @param stepFunction the algorithm's step
     * @param sinks where metrics go
     * @param hook called after each step
     * @param stop checked between steps; true writes a checkpoint and returns early
     * @return the last step's metrics, or empty when there was nothing left to run
     * @throws IOException if loading, saving, a sink or the hook fails
     */
    public Optional<StepStats> run(PolicyBackend backend, KlSchedule schedule, Spec spec, StepFunction stepFunction,
                                   List<MetricsSink> sinks, StepHook hook, java.util.function.BooleanSupplier stop)
            throws IOException {
        Optional<CheckpointStore.Checkpoint> resume = checkpoints.latest(spec.runDir());
        long seed = spec.settings().sampling().seed();
        long start = 0;
        Policy policy;
        if (resume.isPresent()) {
            TrainerState state = resume.get().state();
            if (state.seed() != seed || state.totalSteps() != spec.totalSteps()) {
                throw new IllegalArgumentException("checkpoint " + resume.get().dir() + " was written by a run with seed "
                        + state.seed() + " and " + state.totalSteps() + " steps; this run has seed " + seed + " and "
                        + spec.totalSteps() + " steps");
            }
            start = state.step();
            schedule.restore(state.scheduleState());
            policy = backend.load(resume.get().policy(), spec.initialModel(), spec.device());
            LOG.info("resuming from " + resume.get().dir() + " at step " + start);
        } else {
            policy = backend.load(spec.initialModel(), spec.device());
        }
        Optional<StepStats> last = Optional.empty();
        try {
            for (long step = start; step < spec.totalSteps(); step++) {
                List<Sample> batch = batch(spec.data(), spec.batchSize(), seed, step);
                GrpoAlgorithm.Outcome outcome = stepFunction.step(policy, batch, step, spec.totalSteps());
                StepStats stats = outcome.stats();
                for (MetricsSink sink : sinks) {
                    sink.accept(stats);
                }
                hook.afterStep(policy, outcome);
                last = Optional.of(stats);
                long done = step + 1;
                boolean due = spec.checkpointEvery() > 0 && done % spec.checkpointEvery() == 0;
                boolean stopping = done < spec.totalSteps() && stop.getAsBoolean();
                if (due || done == spec.totalSteps() || stopping) {
                    checkpoints.save(spec.runDir(), policy,
                            new TrainerState(done, spec.totalSteps(), seed, schedule.state()));
                }
                if (stopping) {
                    LOG.info("stopped after step " + step + "; checkpoint written");
                    break;
                }
            }
        } finally {
            policy.close();
        }
        return last;
    }
}
