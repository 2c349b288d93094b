package io.mr1.tasks.support;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
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
     * One item ready to be written: encoding (PNG compression, JSON) is the expensive part
     * and needs no shared state, so generation can run it on several threads and still
     * write the files in index order.
     *
     * @param stem the file name stem, the zero-padded index
     * @param png the image's PNG bytes
     * @param sceneJson the scene file's text
     * @param line the JSONL line, without its line end
     */
    public record EncodedItem(String stem, byte[] png, String sceneJson, String line) {
    }

    /**
     * Encodes one item: its PNG, its scene file (with the image path, question and answer
     * added) and its JSONL line. Thread-safe.
     *
     * @param index the item's 0-based index, which names its files
     * @param item the item
     * @return the encoded item
     * @throws IOException if PNG encoding fails
     */
    public static EncodedItem encode(int index, GeneratedItem item) throws IOException {
        String stem = String.format(Locale.ROOT, "%06d", index);
        String image = "images/" + stem + ".png";
        ByteArrayOutputStream png = new ByteArrayOutputStream(32 * 1024);
        // ImageIO's PNG writer adds no time chunk, so equal pixels give equal bytes.
        if (!ImageIO.write(item.image(), "png", png)) {
            throw new IOException("no PNG writer available in this Java runtime");
        }
        JsonObject scene = new JsonObject();
        scene.addProperty("image", image);
        scene.addProperty("question", item.question());
        scene.addProperty("answer", item.answer());
        item.scene().entrySet().forEach(e -> scene.add(e.getKey(), e.getValue()));
        JsonObject line = new JsonObject();
        line.addProperty("image", image);
        line.addProperty("problem", item.question());
        line.addProperty("solution", "<answer> " + item.answer() + " </answer>");
        if (!item.thinking().isEmpty()) {
            line.addProperty("thinking", item.thinking());
        }
        return new EncodedItem(stem, png.toByteArray(), PRETTY.toJson(scene) + "\n", LINE.toJson(line));
    }

    /**
     * Writes one item's files and its JSONL line; items must come in index order.
     *
     * @param item the encoded item
     * @throws IOException if writing fails
     */
    public void write(EncodedItem item) throws IOException {
        Files.write(dir.resolve("images/" + item.stem() + ".png"), item.png());
        Files.writeString(dir.resolve("scenes/" + item.stem() + ".json"), item.sceneJson(), StandardCharsets.UTF_8);
        jsonl.write(item.line());
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
