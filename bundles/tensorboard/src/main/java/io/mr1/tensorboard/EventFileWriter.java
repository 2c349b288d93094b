package io.mr1.tensorboard;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.SessionLog;
import org.tensorflow.proto.Summary;
import org.tensorflow.proto.SummaryMetadata;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Appends TensorFlow {@code Event}s to one event file ({@code events.out.tfevents.SECONDS.HOST.mr1}
 * in a log folder), as TensorFlow's summary writer lays them out: a {@code file_version} event
 * first, then one event per call. Every event is one framed record written with a single
 * write and forced to disk, so a crash leaves every earlier event readable and at most one torn
 * record at the end, which readers (TensorBoard's and {@link EventFileReader}) stop at.
 */
public final class EventFileWriter implements AutoCloseable {

    /** The file version TensorBoard expects in the first event. */
    public static final String FILE_VERSION = "brain.Event:2";
    /** Plugin name of TensorBoard's text dashboard. */
    public static final String TEXT_PLUGIN = "text";

    private final Path file;
    private final FileChannel channel;

    private EventFileWriter(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /**
     * Creates a new event file in a folder (a resumed run adds a new file beside the old ones,
     * as TensorFlow does; TensorBoard reads them in name order).
     *
     * @param logDir the folder
     * @return the writer, its file already holding the file_version event
     * @throws IOException if the file cannot be created
     */
    public static EventFileWriter create(Path logDir) throws IOException {
        Files.createDirectories(logDir);
        long seconds = System.currentTimeMillis() / 1000;
        String host = hostName();
        Path file = null;
        for (int i = 0; file == null || Files.exists(file); i++) {
            file = logDir.resolve("events.out.tfevents." + seconds + "." + host + ".mr1" + (i == 0 ? "" : "." + i));
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        EventFileWriter writer = new EventFileWriter(file, channel);
        writer.write(Event.newBuilder().setWallTime(now()).setFileVersion(FILE_VERSION).build());
        return writer;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9_.-]", "_");
        } catch (IOException e) {
            return "localhost";
        }
    }

    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }

    /** @return the event file */
    public Path file() {
        return file;
    }

    /**
     * A session start at a step: TensorBoard then drops what earlier files logged at or after
     * that step, so a resumed run's curves have no duplicated steps.
     *
     * @param step the step the run (re)starts at
     * @throws IOException if writing fails
     */
    public void sessionStart(long step) throws IOException {
        write(Event.newBuilder().setWallTime(now()).setStep(step)
                .setSessionLog(SessionLog.newBuilder().setStatus(SessionLog.SessionStatus.START)).build());
    }

    /**
     * Scalars of one step, one event (TensorBoard's scalar dashboard reads {@code simple_value}).
     *
     * @param step the step
     * @param values tag to value; NaN and infinite values are left out
     * @throws IOException if writing fails
     */
    public void scalars(long step, Map<String, Double> values) throws IOException {
        Summary.Builder summary = Summary.newBuilder();
        values.forEach((tag, v) -> {
            if (v != null && Double.isFinite(v)) {
                summary.addValue(Summary.Value.newBuilder().setTag(tag).setSimpleValue(v.floatValue()));
            }
        });
        if (summary.getValueCount() > 0) {
            write(Event.newBuilder().setWallTime(now()).setStep(step).setSummary(summary).build());
        }
    }

    /**
     * A text entry (TensorBoard's text dashboard renders it as markdown): a scalar string
     * tensor tagged with the text plugin.
     *
     * @param step the step
     * @param tag the tag
     * @param markdown the text
     * @throws IOException if writing fails
     */
    public void text(long step, String tag, String markdown) throws IOException {
        TensorProto tensor = TensorProto.newBuilder().setDtype(DataType.DT_STRING)
                .setTensorShape(TensorShapeProto.newBuilder())
                .addStringVal(ByteString.copyFrom(markdown, StandardCharsets.UTF_8)).build();
        Summary.Value value = Summary.Value.newBuilder().setTag(tag)
                .setMetadata(SummaryMetadata.newBuilder().setPluginData(
                        SummaryMetadata.PluginData.newBuilder().setPluginName(TEXT_PLUGIN)))
                .setTensor(tensor).build();
        write(Event.newBuilder().setWallTime(now()).setStep(step).setSummary(Summary.newBuilder().addValue(value))
                .build());
    }

    private void write(Event event) throws IOException {
        ByteBuffer record = ByteBuffer.wrap(TfRecords.frame(event.toByteArray()));
        while (record.hasRemaining()) {
            channel.write(record);
        }
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
