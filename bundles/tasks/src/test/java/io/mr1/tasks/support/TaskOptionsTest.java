package io.mr1.tasks.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskOptionsTest {

    private static final WeightedChoice ABC = WeightedChoice.equal(List.of("a", "b", "c"));

    private static TaskOptions options(Map<String, Object> given) {
        return new TaskOptions("demo", given, Set.of("mix", "size"));
    }

    private static String error(Map<String, Object> given) {
        return assertThrows(IllegalArgumentException.class, () -> options(given).weights("mix", "letter", ABC))
                .getMessage();
    }

    @Test
    void aListWeighsItsNamesEquallyAndLeavesTheOthersOut() {
        assertEquals(Map.of("a", 0, "b", 1, "c", 1),
                options(Map.of("mix", List.of("c", "b"))).weights("mix", "letter", ABC).weights());
    }

    @Test
    void aMapGivesWeightsInCanonicalOrder() {
        Map<String, Object> mix = new LinkedHashMap<>();
        mix.put("c", 3);
        mix.put("a", 1.0);
        WeightedChoice w = options(Map.of("mix", mix)).weights("mix", "letter", ABC);
        assertEquals(List.of("a", "b", "c"), w.choices());
        assertEquals(List.of(1, 0, 3), List.copyOf(w.weights().values()));
    }

    @Test
    void absentIsTheFallback() {
        assertSame(ABC, options(Map.of()).weights("mix", "letter", ABC));
    }

    @Test
    void errorsNameTheKeyAndTheValidChoices() {
        assertEquals("task demo: task_options.mix: unknown letter 'd'; valid: a, b, c",
                error(Map.of("mix", List.of("a", "d"))));
        assertEquals("task demo: task_options.mix: unknown letter 'd'; valid: a, b, c", error(Map.of("mix", Map.of("d", 1))));
        assertEquals("task demo: task_options.mix: letter 'a' is listed twice", error(Map.of("mix", List.of("a", "a"))));
        assertEquals("task demo: task_options.mix.b: must be a whole-number weight from 0 to 1000000, got 0.5",
                error(Map.of("mix", Map.of("b", 0.5))));
        assertEquals("task demo: task_options.mix.b: must be a whole-number weight from 0 to 1000000, got -1",
                error(Map.of("mix", Map.of("b", -1))));
        assertEquals("task demo: task_options.mix: needs at least one letter with a weight above 0; valid: a, b, c",
                error(Map.of("mix", Map.of("b", 0))));
        assertEquals("task demo: task_options.mix: needs at least one letter with a weight above 0; valid: a, b, c",
                error(Map.of("mix", List.of())));
        assertEquals("task demo: task_options.mix: must be a list of letters or a map of letter to weight, got 'a';"
                + " valid letters: a, b, c", error(Map.of("mix", "a")));
    }

    @Test
    void anOptionErrorInsideValidatedIsNotPrefixedTwice() {
        TaskOptions o = options(Map.of("size", 2.5));
        assertEquals("task demo: task_options.size: must be a whole number, got 2.5",
                assertThrows(IllegalArgumentException.class, () -> o.validated(() -> o.integer("size", 1)))
                        .getMessage());
        assertEquals("task demo: task_options.size must be small",
                assertThrows(IllegalArgumentException.class, () -> o.validated(() -> {
                    throw new IllegalArgumentException("size must be small");
                })).getMessage());
    }

    @Test
    void unknownKeysListTheValidOnes() {
        assertEquals("task demo: task_options.mixes: unknown option; valid: mix, size",
                assertThrows(IllegalArgumentException.class, () -> options(Map.of("mixes", 1))).getMessage());
    }
}
