package io.mr1.tensorboard;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.Summary;

/**
 * Reads an event file back: every record's checksums are checked and each is parsed as a
 * TensorFlow {@code Event}; a torn last record (a crash mid-write) ends the file, as in
 * TensorBoard. Used by tests and by anyone checking a run's TensorBoard output from Java.
 */
public final class EventFileReader {

    /**
     * One event, reduced to what mr1 writes.
     *
     * @param step the step
     * @param fileVersion the file_version, or empty
     * @param sessionStart whether it is a session-start event
     * @param scalars tag to simple_value
     * @param texts tag to text (text-plugin string tensors)
     */
    public record Entry(long step, String fileVersion, boolean sessionStart, Map<String, Float> scalars,
                        Map<String, String> texts) {
    }

    /**
     * The events of a file.
     *
     * @param result the events read
     * @param torn whether the file ended inside a record
     */
    public record Contents(List<Entry> result, boolean torn) {
    }

    private EventFileReader() {
    }

    /**
     * Reads a file.
     *
     * @param file the event file
     * @return its events, and whether the last record was torn
     * @throws IOException if a checksum fails or a record is not an Event
     */
    public static Contents read(Path file) throws IOException {
        List<Entry> out = new ArrayList<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            while (true) {
                byte[] data;
                try {
                    data = TfRecords.read(in);
                } catch (EOFException torn) {
                    return new Contents(out, true);
                }
                if (data == null) {
                    return new Contents(out, false);
                }
                out.add(entry(Event.parseFrom(data)));
            }
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static Entry entry(Event e) {
        Map<String, Float> scalars = new LinkedHashMap<>();
        Map<String, String> texts = new LinkedHashMap<>();
        for (Summary.Value v : e.getSummary().getValueList()) {
            if (v.hasTensor() && v.getMetadata().getPluginData().getPluginName().equals(EventFileWriter.TEXT_PLUGIN)) {
                texts.put(v.getTag(), v.getTensor().getStringVal(0).toString(StandardCharsets.UTF_8));
            } else {
                scalars.put(v.getTag(), v.getSimpleValue());
            }
        }
        return new Entry(e.getStep(), e.getFileVersion(), e.hasSessionLog()
                && e.getSessionLog().getStatus() == org.tensorflow.proto.SessionLog.SessionStatus.START, scalars, texts);
    }
}
