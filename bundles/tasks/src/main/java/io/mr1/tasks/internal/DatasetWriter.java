package io.mr1.tasks.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Writes a generated dataset in the layout the loader reads: {@code data.jsonl} with one
 * R1-V item per line, {@code images/NNNNNN.png} and {@code scenes/NNNNNN.json}. Output is
 * a function of the items alone (no timestamps, {@code \n} line ends, fixed key order),
 * so the same items give the same bytes.
 */
public final class DatasetWriter implements Closeable {

    /** Name of the JSONL file in the output folder. */
    public static final String JSONL = "data.jsonl";

    private static final Gson LINE = new GsonBuilder().disableHtmlEscaping().create();
    private static final Gson PRETTY = new GsonBuilder().disableHtmlEscaping().setPrettyPrinting().create();

    private final Path dir;
    private final BufferedWriter jsonl;

    /**
     * Creates the folders and opens {@code data.jsonl}, replacing an earlier one.
     *
     * @param dir the output folder (created with its parents)
     * @throws IOException if the folders or the file cannot be created
     */
    public DatasetWriter(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir.resolve("images"));
        Files.createDirectories(dir.resolve("scenes"));
        this.jsonl = Files.newBufferedWriter(dir.resolve(JSONL), StandardCharsets.UTF_8);
    }

    /**
     * Writes one item: its PNG, its scene file (with the image path, question and answer
     * added) and its JSONL line.
     *
     * @param index the item's 0-based index, which names its files
     * @param item the item
     * @throws IOException if writing fails
     */
    public void write(int index, GeneratedItem item) throws IOException {
        String stem = String.format(Locale.ROOT, "%06d", index);
        String image = "images/" + stem + ".png";
        // ImageIO's PNG writer adds no time chunk, so equal pixels give equal bytes.
        if (!ImageIO.write(item.image(), "png", dir.resolve(image).toFile())) {
            throw new IOException("no PNG writer available in this Java runtime");
        }
        JsonObject scene = new JsonObject();
        scene.addProperty("image", image);
        scene.addProperty("question", item.question());
        scene.addProperty("answer", item.answer());
        item.scene().entrySet().forEach(e -> scene.add(e.getKey(), e.getValue()));
        Files.writeString(dir.resolve("scenes/" + stem + ".json"), PRETTY.toJson(scene) + "\n", StandardCharsets.UTF_8);
        JsonObject line = new JsonObject();
        line.addProperty("image", image);
        line.addProperty("problem", item.question());
        line.addProperty("solution", "<answer> " + item.answer() + " </answer>");
        jsonl.write(LINE.toJson(line));
        jsonl.write('\n');
    }

    /** @return the JSONL file */
    public Path jsonl() {
        return dir.resolve(JSONL);
    }

    @Override
    public void close() throws IOException {
        jsonl.close();
    }
}
