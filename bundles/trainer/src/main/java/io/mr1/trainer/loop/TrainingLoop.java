package io.mr1.trainer.loop;

import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.task.Sample;
import io.mr1.api.types.StepStats;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.logging.Logger;

/**
 * Runs a {@link StepAlgorithm} over the data in seeded shuffled order, calls every
 * {@link TrainingListener} after each step, checkpoints every K steps, at the end and when a
 * listener asks to stop, and resumes from the latest checkpoint so that the run continues
 * exactly as an uninterrupted run with the same seed would have.
 */
public final class TrainingLoop {

    private static final Logger LOG = Logger.getLogger(TrainingLoop.class.getName());
    /** Metric-name prefix of the engine's counters ({@code Policy#engineStatistics}), each the change during a step. */
    public static final String ENGINE_PREFIX = "engine/";

    private final CheckpointStore checkpoints;

    /**
     * Creates the loop.
     *
     * @param checkpoints the checkpoint store
     */
    @Inject
    public TrainingLoop(CheckpointStore checkpoints) {
        this.checkpoints = checkpoints;
    }

    /**
     * What to train.
     *
     * @param data the training samples
     * @param seed the run's seed (data order; the algorithm derives its sampling streams from it too)
     * @param totalSteps t
     * @param batchSize prompts per step
     * @param checkpointEvery steps between checkpoints (0: only at the end)
     * @param keepCheckpoints how many of the latest checkpoints to keep (0: all)
     * @param runDir where checkpoints go
     * @param initialModel the checkpoint folder the run starts from (and the frozen reference)
     * @param device cpu or cuda:N
     * @param dtype the dtype the policy's weights are held in ({@code model.dtype})
     * @param referenceDtype the frozen reference's ({@code model.reference_dtype})
     */
    public record Spec(List<Sample> data, long seed, long totalSteps, int batchSize, int checkpointEvery,
                       int keepCheckpoints, Path runDir, Path initialModel, String device, String dtype,
                       String referenceDtype) {

        /**
         * A run in float32.
         *
         * @param data the training samples
         * @param seed the run's seed
         * @param totalSteps t
         * @param batchSize prompts per step
         * @param checkpointEvery steps between checkpoints (0: only at the end)
         * @param keepCheckpoints how many of the latest checkpoints to keep (0: all)
         * @param runDir where checkpoints go
         * @param initialModel the checkpoint folder the run starts from (and the frozen reference)
         * @param device cpu or cuda:N
         */
        public Spec(List<Sample> data, long seed, long totalSteps, int batchSize, int checkpointEvery,
                    int keepCheckpoints, Path runDir, Path initialModel, String device) {
            this(data, seed, totalSteps, batchSize, checkpointEvery, keepCheckpoints, runDir, initialModel, device,
                    "float32", "float32");
        }

        /** Validates the sizes. */
        public Spec {
            data = List.copyOf(data);
            if (data.isEmpty()) {
                throw new IllegalArgumentException("no training data");
            }
            if (totalSteps < 1 || batchSize < 1 || checkpointEvery < 0 || keepCheckpoints < 0) {
                throw new IllegalArgumentException("need totalSteps >= 1, batchSize >= 1, checkpointEvery >= 0,"
                        + " keepCheckpoints >= 0");
            }
        }
    }

    /**
     * How a call of {@link #run} ended.
     *
     * @param startStep the step it started at (0, or the checkpoint's)
     * @param totalSteps t
     * @param last the last step's metrics, if any step ran
     * @param stopped whether a listener stopped it early
     */
    public record Result(long startStep, long totalSteps, Optional<StepStats> last, boolean stopped) {
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
    public static List<Sample> batch(List<Sample> data, int batchSize, long seed, long step) {
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
     * The checkpoint a run in this folder resumes from: the newest that verifies, checked
     * against the run's seed and length. Reads only, so a run that cannot resume is left
     * exactly as it was.
     *
     * @param spec the run
     * @param report told about each checkpoint passed over
     * @return the checkpoint, or empty to start at step 0
     * @throws IOException if checkpoints exist but none verifies, or the one that does belongs to another run
     */
    public Optional<CheckpointStore.Checkpoint> resumePoint(Spec spec, java.util.function.Consumer<String> report)
            throws IOException {
        Optional<CheckpointStore.Checkpoint> resume = checkpoints.latestVerified(spec.runDir(), report);
        if (resume.isPresent()) {
            TrainerState state = resume.get().state();
            if (state.seed() != spec.seed() || state.totalSteps() != spec.totalSteps()) {
                throw new CheckpointStore.NoUsableCheckpointException("checkpoint " + resume.get().dir()
                        + " was written by a run with seed " + state.seed() + " and " + state.totalSteps()
                        + " steps; this run has seed " + spec.seed() + " and " + spec.totalSteps() + " steps");
            }
        }
        return resume;
    }

    /**
     * Runs (or resumes) training to the end or until a listener asks to stop. Every listener
     * is closed before this returns, also when it fails.
     *
     * @param backend the policy backend
     * @param spec what to train
     * @param algorithm the step (fresh; its state is restored on resume)
     * @param listeners told about every step, in order
     * @return how the loop ended
     * @throws IOException if loading, saving or a listener fails
     */
    public Result run(PolicyBackend backend, Spec spec, StepAlgorithm algorithm, List<TrainingListener> listeners)
            throws IOException {
        return run(backend, spec, algorithm, listeners, resumePoint(spec, LOG::warning));
    }

    /**
     * Runs from a checkpoint {@link #resumePoint} chose (or from step 0) on one backend.
     *
     * @param backend the policy backend
     * @param spec what to train
     * @param algorithm the step (fresh; its state is restored on resume)
     * @param listeners told about every step, in order
     * @param resume the verified checkpoint to continue from, or empty
     * @return how the loop ended
     * @throws IOException if loading, saving or a listener fails
     */
    public Result run(PolicyBackend backend, Spec spec, StepAlgorithm algorithm, List<TrainingListener> listeners,
                      Optional<CheckpointStore.Checkpoint> resume) throws IOException {
        return run(BackendSource.fixed(backend), spec, algorithm, listeners, resume);
    }

    /**
     * Runs from a checkpoint {@link #resumePoint} chose (or from step 0), taking each step's
     * backend from a {@link BackendSource}: between two steps, a requested backend other than
     * the current one is switched to at a checkpoint once it is installed (until then the run
     * stays where it is), and a backend that was removed pauses the run (after a checkpoint)
     * until the requested one is installed.
     *
     * @param backends where the backend of each step comes from
     * @param spec what to train
     * @param algorithm the step (fresh; its state is restored on resume)
     * @param listeners told about every step, in order
     * @param resume the verified checkpoint to continue from, or empty
     * @return how the loop ended
     * @throws IOException if loading, saving or a listener fails
     */
    public Result run(BackendSource backends, Spec spec, StepAlgorithm algorithm, List<TrainingListener> listeners,
                      Optional<CheckpointStore.Checkpoint> resume) throws IOException {
        IOException failure = null;
        try {
            Result result = loop(backends, spec, algorithm, listeners, resume);
            for (TrainingListener l : listeners) {
                l.onTrainingEnd(result);
            }
            return result;
        } catch (IOException | RuntimeException e) {
            if (e instanceof IOException io) {
                failure = io;
            }
            throw e;
        } finally {
            for (TrainingListener l : listeners) {
                try {
                    l.close();
                } catch (IOException e) {
                    if (failure == null) {
                        failure = e;
                        throw e;
                    }
                    failure.addSuppressed(e);
                }
            }
        }
    }

    /** The backend in use and the policy loaded on it. */
    private record Active(PolicyBackend backend, Policy policy) {
        String name() {
            return backend.name();
        }
    }

    private Result loop(BackendSource backends, Spec spec, StepAlgorithm algorithm, List<TrainingListener> listeners,
                        Optional<CheckpointStore.Checkpoint> resume) throws IOException {
        long seed = spec.seed();
        long start = 0;
        if (resume.isPresent()) {
            TrainerState state = resume.get().state();
            start = state.step();
            algorithm.restore(state.scheduleState());
            LOG.info("resuming from " + resume.get().dir() + " at step " + start);
        }
        for (TrainingListener l : listeners) {
            l.onTrainingBegin(start, spec.totalSteps());
        }
        // Anything newer than the checkpoint resumed from failed verification; those steps are run again.
        for (String removed : checkpoints.removeAfter(spec.runDir(), start)) {
            LOG.warning("removed checkpoint " + removed + ", which does not verify; the run writes it again");
        }
        Path from = resume.map(CheckpointStore.Checkpoint::policy).orElse(spec.initialModel());
        Active active = open(backends, spec, start, from, null, listeners);
        if (active == null) {
            return new Result(start, spec.totalSteps(), Optional.empty(), true);
        }
        Optional<StepStats> last = Optional.empty();
        boolean stopped = false;
        long savedAt = start; // the step of the newest checkpoint (the one resumed from, or none at 0)
        try {
            for (long step = start; step < spec.totalSteps(); step++) {
                List<Sample> batch = batch(spec.data(), spec.batchSize(), seed, step);
                long began = System.nanoTime();
                Map<String, Double> engineBefore = active.policy().engineStatistics();
                StepOutcome outcome;
                try {
                    outcome = algorithm.step(active.policy(), batch, step, spec.totalSteps());
                } catch (StepAbandoned abandoned) {
                    // Nothing of this step reached the policy: checkpoint the steps done, stop.
                    if (step > savedAt) {
                        save(spec, active.policy(), algorithm, step);
                    }
                    LOG.info("step " + step + " abandoned (" + abandoned.getMessage() + "); stopped after step "
                            + (step - 1));
                    stopped = true;
                    break;
                }
                outcome = withStepTime(outcome, (System.nanoTime() - began) / 1e9, engineBefore,
                        active.policy().engineStatistics());
                for (TrainingListener l : listeners) {
                    l.onStepEnd(active.policy(), outcome, spec.totalSteps());
                }
                last = Optional.of(outcome.stats());
                long done = step + 1;
                boolean due = spec.checkpointEvery() > 0 && done % spec.checkpointEvery() == 0;
                boolean stopping = done < spec.totalSteps() && listeners.stream().anyMatch(l -> l.stopRequested());
                boolean leaving = done < spec.totalSteps() && !stopping && mustLeave(backends, active);
                Path saved = null;
                if (due || done == spec.totalSteps() || stopping || leaving) {
                    saved = save(spec, active.policy(), algorithm, done);
                    savedAt = done;
                }
                if (stopping) {
                    LOG.info("stopped after step " + step + "; checkpoint written");
                    stopped = true;
                    break;
                }
                if (leaving) {
                    String was = active.name();
                    close(backends, active);
                    active = null;
                    active = open(backends, spec, done, saved.resolve(CheckpointStore.POLICY), was, listeners);
                    if (active == null) {
                        stopped = true;
                        break;
                    }
                }
            }
        } finally {
            if (active != null) {
                close(backends, active);
            }
        }
        return new Result(start, spec.totalSteps(), last, stopped);
    }

    private Path save(Spec spec, Policy policy, StepAlgorithm algorithm, long done) throws IOException {
        Path saved = checkpoints.save(spec.runDir(), policy,
                new TrainerState(done, spec.totalSteps(), spec.seed(), algorithm.state()));
        checkpoints.keepLatest(spec.runDir(), spec.keepCheckpoints(), done);
        return saved;
    }

    /**
     * Whether the run must leave its backend: this one is being removed, or another one is
     * requested and installed (a requested backend that is not installed leaves the run where
     * it is until it is).
     */
    private static boolean mustLeave(BackendSource backends, Active active) {
        if (backends.find(active.name()).filter(b -> b == active.backend()).isEmpty()) {
            return true;
        }
        String wanted = backends.requested();
        return !wanted.equals(active.name()) && backends.find(wanted).isPresent();
    }

    private static void close(BackendSource backends, Active active) {
        try {
            active.policy().close();
        } finally {
            backends.release(active.backend());
        }
    }

    /**
     * Loads the policy for step {@code step} on the requested backend; while it is not
     * installed the run is paused (said once to the listeners) and waits, until it is or a
     * listener asks to stop (then null: the checkpoint of step {@code step} is already on disk).
     */
    private Active open(BackendSource backends, Spec spec, long step, Path policyFolder, String previous,
                        List<TrainingListener> listeners) throws IOException {
        String paused = null;
        while (true) {
            String wanted = backends.requested();
            Optional<PolicyBackend> backend = backends.find(wanted);
            if (backend.isPresent()) {
                PolicyBackend b = backend.get();
                backends.hold(b);
                Policy policy;
                try {
                    policy = b.load(policyFolder, spec.initialModel(), spec.device(), spec.dtype(),
                            spec.referenceDtype());
                } catch (IOException | RuntimeException e) {
                    backends.release(b);
                    throw e;
                }
                if (previous != null && !previous.equals(b.name())) {
                    LOG.info("switched backend " + previous + " -> " + b.name() + " at step " + step);
                }
                for (TrainingListener l : listeners) {
                    l.onBackend(step, previous, b);
                }
                return new Active(b, policy);
            }
            String message = (previous != null && previous.equals(wanted)
                    ? "backend '" + wanted + "' was removed" : "backend '" + wanted + "' is not installed")
                    + "; training paused before step " + step + (previous == null ? "" : " (its checkpoint is"
                    + " written: nothing is lost)") + ". It"
                    + " continues when '" + wanted + "' is installed in plugins/ or the run's backend is set to"
                    + " an installed one (mr1 backend NAME, or backend= in the run's .cfg)";
            if (!message.equals(paused)) {
                paused = message;
                LOG.warning(message);
                for (TrainingListener l : listeners) {
                    l.onPause(step, message);
                }
            }
            if (listeners.stream().anyMatch(TrainingListener::stopRequested)) {
                return null;
            }
            try {
                backends.awaitChange(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while paused before step " + step);
            }
        }
    }

    /**
     * Adds the step's wall time (sampling, scoring and update) under {@link StepStats.KEYS#STEP_TIME}
     * and the change of each engine counter during the step under {@code engine/NAME}.
     */
    private static StepOutcome withStepTime(StepOutcome outcome, double seconds, Map<String, Double> engineBefore,
                                            Map<String, Double> engineAfter) {
        Map<String, Double> values = new LinkedHashMap<>(outcome.stats().values());
        values.put(StepStats.KEYS.STEP_TIME, seconds);
        engineAfter.forEach((name, total) -> values.put(ENGINE_PREFIX + name, total - engineBefore.getOrDefault(name, 0.0)));
        return new StepOutcome(new StepStats(outcome.stats().step(), values), outcome.completions(),
                outcome.breakdowns(), outcome.records());
    }
}
