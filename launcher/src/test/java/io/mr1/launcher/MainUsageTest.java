package io.mr1.launcher;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code mr1 --help} names every environment variable the bin/mr1 script reads. */
class MainUsageTest {

    @Test
    void helpNamesEveryVariableTheScriptReads() throws Exception {
        String script = Files.readString(Path.of("src/dist/bin/mr1"), StandardCharsets.UTF_8);
        Set<String> read = new TreeSet<>();
        Matcher m = Pattern.compile("\\$\\{(MR1_[A-Z_]+|OMP_[A-Z_]+|JAVA_OPTS)").matcher(script);
        while (m.find()) {
            read.add(m.group(1));
        }
        assertFalse(read.isEmpty(), "the script reads no variables?");
        String usage = Main.globalUsage(null);
        for (String variable : read) {
            assertTrue(usage.contains(variable), "mr1 --help lacks " + variable + ", which bin/mr1 reads:\n" + usage);
        }
    }
}
