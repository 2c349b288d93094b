package io.mr1.tasks.support;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.mr1.answers.Answers;
import io.mr1.api.task.AnswerType;
import io.mr1.api.task.DataException;
import io.mr1.api.task.Sample;
import io.mr1.api.types.ImageRef;
import io.mr1.core.io.ImageFiles;
import io.mr1.api.types.Prompt;
import io.mr1.core.jsonl.JsonLineException;
import io.mr1.core.jsonl.JsonLines;
import io.mr1.tasks.DatasetReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reads datasets in the R1-V / OThink-MR1 JSONL format, one item per line:
 * <ul>
 * <li>the image under {@code image} or {@code image_path}, relative to the JSONL file's
 *     folder (a leading {@code ./} is fine) or absolute;</li>
 * <li>the question under {@code problem} or {@code question};</li>
 * <li>the ground truth under {@code solution} (R1-V's {@code <answer> N </answer>}, the
 *     wrapping removed) or {@code ground_truth} (a number or a string);</li>
 * <li>optionally a reference reasoning under {@code thinking} (as in R1-V's CoT-SFT data),
 *     which SFT can train on through {@code {thinking}} in its target template.</li>
 * </ul>
 * Lines are read by the one strict JSONL reader ({@link JsonLines}: valid UTF-8, strict
 * JSON, no duplicated keys). Blank lines are skipped. A malformed line, a blank truth, a missing key or an image file that is not
 * a readable image fails the load with a {@link DataException} naming file and line. A
 * missing image file fails it too unless {@code skipBad} is set: then the item is left
 * out, counted in the {@link DatasetReport} and logged, because R1-V's evaluation files
 * are published without their images.
 */
public final class R1vLoader {

    private static final Logger LOG = Logger.getLogger(R1vLoader.class.getName());

    private final String template;
    private final AnswerType answerType;

    /**
     * Creates a loader.
     *
     * @param template prompt template with a {@code {question}} placeholder
     * @param answerType the answer type given to every sample
     */
    public R1vLoader(String template, AnswerType answerType) {
        this.template = template;
        this.answerType = answerType;
    }

    /**
     * Reads one file.
     *
     * @param file the JSONL file
     * @param skipBad leave out items whose image file is missing instead of failing
     * @return the samples and the skipped items
     * @throws DataException naming the file and the line of the first bad item
     */
    public DatasetReport load(Path file, boolean skipBad) throws DataException {
        Path folder = file.toAbsolutePath().normalize().getParent();
        String fileName = file.getFileName().toString();
        List<Sample> samples = new ArrayList<>();
        List<DatasetReport.Skipped> skipped = new ArrayList<>();
        List<JsonLines.Line> lines;
        try {
            lines = JsonLines.read(file);
        } catch (JsonLineException e) {
            throw new DataException(file, e.line(), e.problem());
        } catch (NoSuchFileException e) {
            throw new DataException(file, 0, "file not found");
        } catch (IOException e) {
            throw new DataException(file, 0, "cannot read the file (" + e + ")");
        }
        for (JsonLines.Line line : lines) {
            long number = line.number();
            JsonObject item = line.object();
            String rawImage = string(item, file, number, "image", "image_path");
            String question = string(item, file, number, "problem", "question");
            String solution = solution(item, file, number);
            Path image = resolveImage(folder, rawImage, file, number);
            if (!Files.isRegularFile(image)) {
                if (skipBad) {
                    skipped.add(new DatasetReport.Skipped(number, image, "image not found"));
                    continue;
                }
                throw new DataException(file, number, "image not found: " + rawImage + " (looked for " + image
                        + "); load with skipBad to leave such items out");
            }
            String problem = imageProblem(image);
            if (problem != null) {
                throw new DataException(file, number, "image " + rawImage + " is not a readable image: " + problem);
            }
            Prompt prompt = new Prompt(fileName + ":" + number, template.replace("{question}", question),
                    List.of(new ImageRef(image)));
            samples.add(new Sample(prompt, question, solution, answerType, thinking(item, file, number)));
        }
        if (!skipped.isEmpty()) {
            DatasetReport.Skipped first = skipped.get(0);
            LOG.log(Level.WARNING, "{0}: skipped {1} of {2} items (first: line {3}, {4}: {5})", new Object[] {
                file, skipped.size(), skipped.size() + samples.size(), first.line(), first.reason(), first.image()});
        }
        return new DatasetReport(file, samples, skipped);
    }

    /** The first present key among the alternatives, as a non-blank string. */
    private static String string(JsonObject item, Path file, long line, String key, String alternative)
            throws DataException {
        String found = item.has(key) ? key : alternative;
        JsonElement e = item.get(found);
        if (e == null || e.isJsonNull()) {
            throw new DataException(file, line, "missing key \"" + key + "\" (or \"" + alternative + "\")");
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new DataException(file, line, "\"" + found + "\" must be a string");
        }
        String value = e.getAsString();
        if (value.isBlank()) {
            throw new DataException(file, line, "\"" + found + "\" is empty");
        }
        return value;
    }

    /** The optional reference reasoning (R1-V's {@code thinking} key); a non-string value is an error. */
    private static String thinking(JsonObject item, Path file, long line) throws DataException {
        if (!item.has("thinking") || item.get("thinking").isJsonNull()) {
            return "";
        }
        if (!item.get("thinking").isJsonPrimitive() || !item.get("thinking").getAsJsonPrimitive().isString()) {
            throw new DataException(file, line, "key \"thinking\" must be a string");
        }
        return item.get("thinking").getAsString().trim();
    }

    private static String solution(JsonObject item, Path file, long line) throws DataException {
        String key = item.has("solution") ? "solution" : "ground_truth";
        JsonElement e = item.get(key);
        if (e == null || e.isJsonNull()) {
            throw new DataException(file, line, "missing key \"solution\" (or \"ground_truth\")");
        }
        if (!e.isJsonPrimitive() || ((JsonPrimitive) e).isBoolean()) {
            throw new DataException(file, line, "\"" + key + "\" must be a number or a string");
        }
        try {
            return Answers.groundTruth(e.getAsString());
        } catch (IllegalArgumentException blank) {
            throw new DataException(file, line, "\"" + key + "\" is empty");
        }
    }

    private static Path resolveImage(Path folder, String raw, Path file, long line) throws DataException {
        try {
            Path p = Path.of(raw);
            return (p.isAbsolute() ? p : folder.resolve(p)).normalize();
        } catch (InvalidPathException e) {
            throw new DataException(file, line, "invalid image path \"" + raw + "\" (" + e.getReason() + ")");
        }
    }

    /**
     * Checks that a file is an image by reading its header only (format and size), which is
     * cheap enough for the 8k images of GeoQA's training set. A run's preparation checks more
     * (pixel limit, truncation) with the same reader.
     *
     * @param image an existing file
     * @return null when readable, else what is wrong
     */
    static String imageProblem(Path image) {
        return ImageFiles.headerProblem(image);
    }
}
