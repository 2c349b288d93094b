package io.mr1.tasks.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WeightedChoiceTest {

    private static final List<String> ABC = List.of("a", "b", "c");

    private static WeightedChoice mix(int a, int b, int c) {
        Map<String, Integer> w = new LinkedHashMap<>();
        w.put("a", a);
        w.put("b", b);
        w.put("c", c);
        return new WeightedChoice(w);
    }

    /** The property the byte-stable generators rely on: one nextInt(total) against cumulative thresholds. */
    @Test
    void drawsAsOneNextIntAgainstCumulativeThresholds() {
        WeightedChoice mix = mix(35, 20, 45);
        SplittableRandom drawn = new SplittableRandom(3);
        SplittableRandom expected = new SplittableRandom(3);
        for (int i = 0; i < 1000; i++) {
            int roll = expected.nextInt(100);
            assertEquals(roll < 35 ? "a" : roll < 55 ? "b" : "c", mix.draw(drawn));
        }
        assertEquals(expected.nextLong(), drawn.nextLong(), "no other draws consumed");
    }

    @Test
    void anEqualMixIsOneNextIntOverTheChoices() {
        WeightedChoice equal = WeightedChoice.equal(ABC);
        SplittableRandom drawn = new SplittableRandom(9);
        SplittableRandom expected = new SplittableRandom(9);
        for (int i = 0; i < 300; i++) {
            assertEquals(ABC.get(expected.nextInt(3)), equal.draw(drawn));
        }
        assertEquals(Map.of("a", 1, "b", 1, "c", 1), equal.weights());
    }

    @Test
    void aZeroWeightIsNeverDrawnAndProportionsFollowTheWeights() {
        WeightedChoice mix = mix(1, 0, 3);
        SplittableRandom random = new SplittableRandom(1);
        int a = 0;
        int c = 0;
        for (int i = 0; i < 4000; i++) {
            switch (mix.draw(random)) {
                case "a" -> a++;
                case "c" -> c++;
                default -> throw new AssertionError("b has weight 0");
            }
        }
        assertEquals(4000, a + c);
        assertTrue(a > 900 && a < 1100, "about a quarter: " + a);
    }

    @Test
    void rejectsNegativeTooLargeAndAllZeroWeights() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> mix(1, -1, 0)).getMessage()
                .startsWith("weight of b must be 0 to 1000000, got -1"));
        assertThrows(IllegalArgumentException.class, () -> mix(0, WeightedChoice.MAX_WEIGHT + 1, 0));
        assertEquals("needs at least one choice with a weight above 0; valid: a, b, c",
                assertThrows(IllegalArgumentException.class, () -> mix(0, 0, 0)).getMessage());
    }
}
