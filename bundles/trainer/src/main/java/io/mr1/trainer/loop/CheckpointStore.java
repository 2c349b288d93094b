package io.mr1.trainer.loop;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.mr1.api.backend.Policy;
import io.mr1.core.io.AtomicFiles;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checkpoints under {@code RUN_DIR/checkpoints/step-N/}: {@code policy/} (weights and
 * optimiser state, written by the backend) and {@code trainer-state.json}. Each is built in
 * a hidden sibling folder and renamed into place ({@link AtomicFiles}), so a kill at any moment leaves every
 * {@code step-N} folder complete; the latest complete one is what a resume uses.
 */
@Singleton
public final class CheckpointStore {

    /** The run folder's subfolder that holds the checkpoints. */
    public static final String FOLDER = "checkpoints";
    /** Folder of a checkpoint's policy. */
    public static final String POLICY = "policy";
    /** File of a checkpoint's trainer state. */
    public static final String STATE = "trainer-state.json";

    private static final Pattern STEP_DIR = Pattern.compile("step-(\\d+)");
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    /**
     * A checkpoint on disk.
     *
     * @param dir its folder
     * @param state its trainer state
     */
    public record Checkpoint(Path dir, TrainerState state) {
        /** @return the policy folder inside it */
        public Path policy() {
            return dir.resolve(POLICY);
        }
    }

    /**
     * Writes a checkpoint atomically.
     *
     * @param runDir the run folder
     * @param policy the policy to save (with optimiser state)
     * @param state the trainer state
     * @return the checkpoint folder
     * @throws IOException if writing fails; earlier checkpoints are untouched
     */
    public Path save(Path runDir, Policy policy, TrainerState state) throws IOException {
        Path target = runDir.resolve(FOLDER).resolve("step-" + state.step());
        Path staging = AtomicFiles.stagingFolder(target);
        policy.save(staging.resolve(POLICY), true);
        Files.writeString(staging.resolve(STATE), GSON.toJson(state), StandardCharsets.UTF_8);
        AtomicFiles.commitFolder(staging, target);
        return target;
    }

    /**
     * The latest complete checkpoint of a run.
     *
     * @param runDir the run folder
     * @return the checkpoint with the highest step, if any
     * @throws IOException if the folder cannot be listed or a state file cannot be read
     */
    public Optional<Checkpoint> latest(Path runDir) throws IOException {
        Path root = runDir.resolve(FOLDER);
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        Path best = null;
        long bestStep = -1;
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                Matcher m = STEP_DIR.matcher(dir.getFileName().toString());
                if (m.matches() && Files.isRegularFile(dir.resolve(STATE)) && Long.parseLong(m.group(1)) > bestStep) {
                    bestStep = Long.parseLong(m.group(1));
                    best = dir;
                }
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        TrainerState state = GSON.fromJson(Files.readString(best.resolve(STATE), StandardCharsets.UTF_8),
                TrainerState.class);
        return Optional.of(new Checkpoint(best, state));
    }

    /**
     * Deletes all but the latest checkpoints (TRL's save_total_limit). The newest is the one a
     * resume uses, so it is never deleted; a folder is deleted only after a newer one is complete.
     *
     * @param runDir the run folder
     * @param keep how many to keep (0: keep all)
     * @throws IOException if a folder cannot be deleted
     */
    public void keepLatest(Path runDir, int keep) throws IOException {
        Path root = runDir.resolve(FOLDER);
        if (keep <= 0 || !Files.isDirectory(root)) {
            return;
        }
        java.util.TreeMap<Long, Path> complete = new java.util.TreeMap<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                Matcher m = STEP_DIR.matcher(dir.getFileName().toString());
                if (m.matches() && Files.isRegularFile(dir.resolve(STATE))) {
                    complete.put(Long.parseLong(m.group(1)), dir);
                }
            }
        }
        while (complete.size() > keep) {
            AtomicFiles.deleteRecursively(complete.pollFirstEntry().getValue());
        }
    }
}
