package io.mr1.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class CommandLineTest {

    private static CommandLine parse(String... args) throws UsageException {
        return CommandLine.parse(args, Set.of(), Set.of("--temperature", "--samples"));
    }

    @Test
    void numberOptionsParseOrFallBack() throws UsageException {
        CommandLine line = parse("--temperature", "0.7", "--samples", "4");
        assertEquals(0.7, line.doubleValue("--temperature", 1.0));
        assertEquals(4L, line.longValue("--samples", 0));
        assertEquals(1.0, parse().doubleValue("--temperature", 1.0));
    }

    @Test
    void aNonNumberNamesTheOptionAndTheValue() throws UsageException {
        for (String bad : new String[] {"warm", "NaN", "Infinity"}) {
            UsageException e = assertThrows(UsageException.class,
                    () -> parse("--temperature", bad).doubleValue("--temperature", 1.0));
            assertTrue(e.getMessage().contains("--temperature") && e.getMessage().contains(bad), e.getMessage());
        }
    }
}
