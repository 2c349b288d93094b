package io.mr1.core.jsonl;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a JSONL file strictly: each non-blank line is one JSON object in strict JSON
 * (RFC 8259: double-quoted strings and keys only, no bare words, comments, {@code NaN}
 * or text after the object), no key twice in one object (a lenient parser silently keeps
 * the last), and valid UTF-8 (a lenient decoder would say only {@code Input length = 1}).
 * Lines end with {@code \n} or {@code \r\n}; blank lines are skipped; a UTF-8 byte-order
 * mark at the start of the file is ignored.
 */
public final class JsonLines {

    /**
     * One non-blank line.
     *
     * @param number the 1-based line number
     * @param object the line's JSON object
     */
    public record Line(long number, JsonObject object) {
    }

    private JsonLines() {
    }

    /**
     * Reads every non-blank line of a file.
     *
     * @param file a JSONL file
     * @return its objects in file order, with their line numbers
     * @throws JsonLineException naming file and line of the first line that is not valid UTF-8 or not one strict JSON object
     * @throws IOException if the file cannot be read ({@link java.nio.file.NoSuchFileException} when it is missing)
     */
    public static List<Line> read(Path file) throws IOException {
        List<Line> lines = new ArrayList<>();
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            long number = 0;
            boolean more = true;
            while (more) {
                int b = in.read();
                if (b != '\n' && b != -1) {
                    bytes.write(b);
                    continue;
                }
                more = b != -1;
                if (!more && bytes.size() == 0) {
                    break;
                }
                number++;
                String text = decode(bytes.toByteArray(), number == 1, decoder, file, number);
                bytes.reset();
                if (!text.isBlank()) {
                    lines.add(new Line(number, parseObject(text, file, number)));
                }
            }
        }
        return lines;
    }

    private static String decode(byte[] raw, boolean first, CharsetDecoder decoder, Path file, long number)
            throws JsonLineException {
        int start = first && raw.length >= 3 && (raw[0] & 0xFF) == 0xEF && (raw[1] & 0xFF) == 0xBB
                && (raw[2] & 0xFF) == 0xBF ? 3 : 0;
        int end = raw.length > start && raw[raw.length - 1] == '\r' ? raw.length - 1 : raw.length;
        try {
            return decoder.reset().decode(ByteBuffer.wrap(raw, start, end - start)).toString();
        } catch (CharacterCodingException e) {
            throw new JsonLineException(file, number, "not valid UTF-8 (" + firstBadByte(raw, start, end) + ")");
        }
    }

    /** Where decoding fails, for the message: the 1-based byte column and the byte. */
    private static String firstBadByte(byte[] raw, int start, int end) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(raw, start, end - start);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(end - start + 1);
        decoder.decode(in, out, true);
        int at = in.position();
        return String.format("byte 0x%02X at byte column %d", raw[Math.min(at, end - 1)] & 0xFF, at + 1);
    }

    /**
     * Parses one line's text as one strict JSON object.
     *
     * @param text the line, without its line break
     * @param file the file, for the message
     * @param number the 1-based line, for the message
     * @return the object
     * @throws JsonLineException naming file and line when the text is not one strict JSON object
     */
    public static JsonObject parseObject(String text, Path file, long number) throws JsonLineException {
        String problem = strictProblem(text);
        if (problem != null) {
            throw new JsonLineException(file, number, problem);
        }
        // The text is strict JSON without duplicated keys: Gson's tree builder reads it as written.
        return JsonParser.parseString(text).getAsJsonObject();
    }

    /**
     * One pass over the tokens in strict mode, checking duplicated keys per object.
     *
     * @return what is wrong, or null when the text is one strict JSON object
     */
    private static String strictProblem(String text) {
        JsonReader reader = new JsonReader(new StringReader(text));
        reader.setStrictness(Strictness.STRICT);
        // One set of keys per open object; arrays push a marker that holds no keys.
        Deque<Set<String>> open = new ArrayDeque<>();
        Set<String> arrayMarker = Set.of();
        try {
            if (reader.peek() != JsonToken.BEGIN_OBJECT) {
                return "expected a JSON object";
            }
            do {
                JsonToken token = reader.peek();
                switch (token) {
                    case BEGIN_OBJECT -> {
                        reader.beginObject();
                        open.push(new HashSet<>());
                    }
                    case END_OBJECT -> {
                        reader.endObject();
                        open.pop();
                    }
                    case BEGIN_ARRAY -> {
                        reader.beginArray();
                        open.push(arrayMarker);
                    }
                    case END_ARRAY -> {
                        reader.endArray();
                        open.pop();
                    }
                    case NAME -> {
                        String name = reader.nextName();
                        if (!open.peek().add(name)) {
                            return "not valid JSON (duplicated key \"" + name + "\")";
                        }
                    }
                    default -> reader.skipValue();
                }
            } while (!open.isEmpty());
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                return "not valid JSON (text after the object)";
            }
            return null;
        } catch (IOException | JsonParseException | IllegalStateException e) {
            return "not valid JSON (" + rootMessage(e) + ")";
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.toString() : t.getMessage();
        // Gson appends a link to its troubleshooting page; the position is what matters here.
        int see = message.indexOf("\nSee ");
        return see >= 0 ? message.substring(0, see) : message;
    }
}
