package io.mr1.core.jsonl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesTest {

    @TempDir
    Path dir;

    private Path write(byte[] bytes) throws IOException {
        Path file = dir.resolve("in.jsonl");
        Files.write(file, bytes);
        return file;
    }

    private Path write(String text) throws IOException {
        return write(text.getBytes(StandardCharsets.UTF_8));
    }

    private JsonLineException rejected(String text) throws IOException {
        Path file = write(text);
        JsonLineException e = assertThrows(JsonLineException.class, () -> JsonLines.read(file), text);
        assertTrue(e.getMessage().startsWith(file + ":" + e.line() + ": "), e.getMessage());
        return e;
    }

    @Test
    void readsObjectsWithTheirLineNumbersSkippingBlankLines() throws IOException {
        Path file = write("\uFEFF{\"a\": 1, \"b\": \"x\\u00b0\"}\r\n\n   \n{\"a\": [1, {\"a\": 2}], \"c\": {\"a\": null}}");
        List<JsonLines.Line> lines = JsonLines.read(file);
        assertEquals(2, lines.size());
        assertEquals(1, lines.get(0).number());
        assertEquals("x°", lines.get(0).object().get("b").getAsString());
        assertEquals(4, lines.get(1).number());
        assertEquals(2, lines.get(1).object().getAsJsonArray("a").get(1).getAsJsonObject().get("a").getAsInt());
        assertEquals(List.of(), JsonLines.read(write("")));
    }

    @Test
    void rejectsWhatALenientParserAccepts() throws IOException {
        assertEquals(2, rejected("{\"a\": 1}\n{'a': 1}").line(), "single-quoted key");
        assertTrue(rejected("{\"a\": 'x'}").problem().startsWith("not valid JSON"), "single-quoted string");
        rejected("{\"a\": yes}");
        rejected("{a: 1}");
        rejected("{\"a\": 1} trailing");
        rejected("{\"a\": 1} {\"b\": 2}");
        rejected("{\"a\": NaN}");
        rejected("{\"a\": 1 // comment\n}");
        assertEquals("expected a JSON object", rejected("[1, 2]").problem());
        assertEquals("expected a JSON object", rejected("\"text\"").problem());
    }

    @Test
    void rejectsDuplicatedKeysAtAnyDepth() throws IOException {
        JsonLineException e = rejected("{\"a\": 1}\n\n{\"solution\": 1, \"solution\": 2}");
        assertEquals(3, e.line());
        assertEquals("not valid JSON (duplicated key \"solution\")", e.problem());
        rejected("{\"x\": {\"a\": 1, \"a\": 1}}");
        rejected("{\"x\": [{\"a\": 1, \"a\": 1}]}");
        // The same key in sibling objects is fine.
        assertEquals(1, JsonLines.read(write("{\"x\": [{\"a\": 1}, {\"a\": 2}], \"a\": 3}")).size());
    }

    @Test
    void invalidUtf8NamesFileAndLine() throws IOException {
        byte[] good = "{\"a\": \"ok\"}\n".getBytes(StandardCharsets.UTF_8);
        byte[] bad = {'{', '"', 'a', '"', ':', ' ', '"', (byte) 0xC3, '(', '"', '}', '\n'};
        byte[] all = new byte[good.length * 2 + bad.length];
        System.arraycopy(good, 0, all, 0, good.length);
        System.arraycopy(good, 0, all, good.length, good.length);
        System.arraycopy(bad, 0, all, 2 * good.length, bad.length);
        Path file = write(all);
        JsonLineException e = assertThrows(JsonLineException.class, () -> JsonLines.read(file));
        assertEquals(3, e.line());
        assertEquals(file + ":3: not valid UTF-8 (byte 0xC3 at byte column 8)", e.getMessage());
    }

    @Test
    void aMissingFileIsNoSuchFile() {
        assertThrows(NoSuchFileException.class, () -> JsonLines.read(dir.resolve("missing.jsonl")));
    }
}
