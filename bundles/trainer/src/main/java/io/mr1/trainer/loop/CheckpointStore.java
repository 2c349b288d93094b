package io.mr1.trainer.loop;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import io.mr1.api.backend.Policy;
import io.mr1.core.io.AtomicFiles;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Checkpoints under {@code RUN_DIR/checkpoints/step-N/}: {@code policy/} (weights and
 * optimiser state, written by the backend), {@code trainer-state.json} and
 * {@code manifest.json} (the size and CRC-32C of every other file, written last). Each is
 * built in a hidden sibling folder and renamed into place ({@link AtomicFiles}), so a kill at
 * any moment leaves every {@code step-N} folder complete; a file damaged afterwards (a full
 * disk, a copy cut short, a hand edit) fails {@link #verify}, and a resume uses the newest
 * checkpoint that verifies. A folder holding a file named {@value #KEEP} is never deleted by
 * {@link #keepLatest}.
 */
@Singleton
public final class CheckpointStore {

    /** The run folder's subfolder that holds the checkpoints. */
    public static final String FOLDER = "checkpoints";
    /** Folder of a checkpoint's policy. */
    public static final String POLICY = "policy";
    /** File of a checkpoint's trainer state. */
    public static final String STATE = "trainer-state.json";
    /** File listing the size and checksum of every other file of a checkpoint. */
    public static final String MANIFEST = "manifest.json";
    /** A file the user puts in a checkpoint folder to keep it whatever the retention limit. */
    public static final String KEEP = "keep";

    private static final Logger LOG = Logger.getLogger(CheckpointStore.class.getName());
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

    /** No checkpoint of a run verifies; the message names each and what is wrong with it. */
    public static final class NoUsableCheckpointException extends IOException {
        private static final long serialVersionUID = 1L;

        /**
         * @param message which checkpoints failed and why
         */
        public NoUsableCheckpointException(String message) {
            super(message);
        }
    }

    /** One file's size and checksum, as the manifest records it. */
    record Entry(long size, String crc32c) {
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
        Files.writeString(staging.resolve(MANIFEST), GSON.toJson(Map.of("files", manifest(staging))),
                StandardCharsets.UTF_8);
        AtomicFiles.commitFolder(staging, target);
        return target;
    }

    /** Size and CRC-32C of every file under a checkpoint folder but the manifest, by relative path. */
    private static Map<String, Entry> manifest(Path dir) throws IOException {
        Map<String, Entry> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String name = dir.relativize(p).toString().replace('\\', '/');
                if (Files.isRegularFile(p) && !name.equals(MANIFEST) && !name.equals(KEEP)) {
                    files.put(name, new Entry(Files.size(p), crc32c(p)));
                }
            }
        }
        return files;
    }

    private static String crc32c(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                crc.update(buffer, 0, n);
            }
        }
        return String.format("%08x", crc.getValue());
    }

    /**
     * Checks one checkpoint folder: every file the manifest lists is there with its size and
     * checksum, and the trainer state reads. A folder written before manifests existed is
     * checked by its trainer state alone (and said so in the log).
     *
     * @param dir a {@code step-N} folder
     * @return the checkpoint
     * @throws IOException naming the file and what is wrong with it
     */
    public Checkpoint verify(Path dir) throws IOException {
        Path manifestFile = dir.resolve(MANIFEST);
        if (Files.isRegularFile(manifestFile)) {
            Map<String, Entry> recorded;
            try {
                Manifest m = GSON.fromJson(Files.readString(manifestFile, StandardCharsets.UTF_8), Manifest.class);
                recorded = m == null ? null : m.files();
            } catch (JsonParseException e) {
                throw new IOException(manifestFile + ": not a checkpoint manifest (" + e.getMessage() + ")");
            }
            if (recorded == null || recorded.isEmpty()) {
                throw new IOException(manifestFile + ": empty or not a checkpoint manifest");
            }
            for (Map.Entry<String, Entry> e : recorded.entrySet()) {
                Path file = dir.resolve(e.getKey());
                if (!Files.isRegularFile(file)) {
                    throw new IOException(file + ": missing");
                }
                long size = Files.size(file);
                if (size != e.getValue().size()) {
                    throw new IOException(file + ": " + size + " bytes, " + e.getValue().size() + " when written"
                            + (size < e.getValue().size() ? " (truncated)" : ""));
                }
                if (!crc32c(file).equals(e.getValue().crc32c())) {
                    throw new IOException(file + ": its content changed since it was written (checksum differs)");
                }
            }
        } else {
            LOG.info(dir + " has no " + MANIFEST + " (written by an older mr1); checked by its trainer state only");
        }
        return new Checkpoint(dir, readState(dir.resolve(STATE)));
    }

    /** The manifest file's content. */
    private record Manifest(Map<String, Entry> files) {
    }

    private static TrainerState readState(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": missing");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        TrainerState state;
        try {
            state = GSON.fromJson(text, TrainerState.class);
        } catch (JsonParseException | NullPointerException | IllegalArgumentException e) {
            throw new IOException(file + ": not a trainer state (" + e.getMessage() + ")");
        }
        if (state == null) {
            throw new IOException(file + ": empty (expected the trainer state: step, totalSteps, seed, scheduleState)");
        }
        if (state.step() < 1 || state.totalSteps() < state.step()) {
            throw new IOException(file + ": step " + state.step() + " of " + state.totalSteps() + " is not a valid state");
        }
        return state;
    }

    /** The complete {@code step-N} folders of a run, by step. */
    private static TreeMap<Long, Path> stepFolders(Path runDir) throws IOException {
        TreeMap<Long, Path> found = new TreeMap<>();
        Path root = runDir.resolve(FOLDER);
        if (!Files.isDirectory(root)) {
            return found;
        }
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                Matcher m = STEP_DIR.matcher(dir.getFileName().toString());
                if (m.matches() && Files.isRegularFile(dir.resolve(STATE))) {
                    found.put(Long.parseLong(m.group(1)), dir);
                }
            }
        }
        return found;
    }

    /**
     * The latest complete checkpoint of a run, unverified (what the folder names say).
     *
     * @param runDir the run folder
     * @return the checkpoint with the highest step, if any
     * @throws IOException if the folder cannot be listed or the state file cannot be read
     */
    public Optional<Checkpoint> latest(Path runDir) throws IOException {
        Map.Entry<Long, Path> last = stepFolders(runDir).lastEntry();
        return last == null ? Optional.empty() : Optional.of(new Checkpoint(last.getValue(),
                readState(last.getValue().resolve(STATE))));
    }

    /**
     * The newest checkpoint that verifies. Each newer one that does not is reported, and left
     * as it is (the run writes that step again when it gets there). Reads only.
     *
     * @param runDir the run folder
     * @param report told about each checkpoint passed over, and why
     * @return the checkpoint, or empty when the run has none
     * @throws NoUsableCheckpointException if the run has checkpoints but none verifies
     * @throws IOException if the folder cannot be listed
     */
    public Optional<Checkpoint> latestVerified(Path runDir, Consumer<String> report) throws IOException {
        TreeMap<Long, Path> all = stepFolders(runDir);
        List<String> problems = new ArrayList<>();
        for (Path dir : all.descendingMap().values()) {
            try {
                Checkpoint c = verify(dir);
                if (!problems.isEmpty()) {
                    report.accept("using " + dir.getFileName() + ", the newest checkpoint that verifies");
                }
                return Optional.of(c);
            } catch (IOException e) {
                problems.add(e.getMessage());
                report.accept("checkpoint " + dir.getFileName() + " does not verify: " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new NoUsableCheckpointException("none of the " + problems.size() + " checkpoint(s) in "
                    + runDir.resolve(FOLDER) + " verifies, so the run cannot be resumed; nothing was changed:\n  "
                    + String.join("\n  ", problems));
        }
        return Optional.empty();
    }

    /**
     * Deletes the checkpoints past a step: when a resume fell back to that step, the newer ones
     * did not verify, and the run writes those steps again.
     *
     * @param runDir the run folder
     * @param step the step the run resumed at
     * @return the names of the folders deleted
     * @throws IOException if one cannot be deleted
     */
    public List<String> removeAfter(Path runDir, long step) throws IOException {
        List<String> removed = new ArrayList<>();
        for (Path dir : stepFolders(runDir).tailMap(step, false).values()) {
            AtomicFiles.deleteRecursively(dir);
            removed.add(dir.getFileName().toString());
        }
        return removed;
    }

    /**
     * Deletes all but the latest checkpoints up to a step (TRL's save_total_limit). The
     * newest, which a resume uses, is never deleted; a folder is deleted only after a newer one
     * is complete; folders the user marked with a {@value #KEEP} file are kept and not counted;
     * folders past {@code upToStep} (left by an earlier attempt that a resume fell back from)
     * are not considered.
     *
     * @param runDir the run folder
     * @param keep how many to keep (0: keep all)
     * @param upToStep the step of the checkpoint just written
     * @throws IOException if a folder cannot be deleted
     */
    public void keepLatest(Path runDir, int keep, long upToStep) throws IOException {
        if (keep <= 0) {
            return;
        }
        TreeMap<Long, Path> complete = new TreeMap<>(stepFolders(runDir).headMap(upToStep, true));
        complete.values().removeIf(dir -> Files.exists(dir.resolve(KEEP)));
        while (complete.size() > keep) {
            AtomicFiles.deleteRecursively(complete.pollFirstEntry().getValue());
        }
    }
}
