package io.mr1.objective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AdvantagesTest {

    @Test
    void normalisesByUnbiasedStdPlusEpsilon() {
        // mean 0.5; unbiased var = 4 * 0.25 / 3 = 1/3; std = 0.57735026919; A = 0.5 / (std + 1e-4)
        double a = 0.8658754297607016;
        assertArrayEquals(new double[] {a, -a, -a, a},
                Advantages.group(new double[] {1, 0, 0, 1}, true, Advantages.DEFAULT_EPS), 1e-12);
        // mean 1; var = (1 + 1) / 1 = 2; A = 1 / (sqrt 2 + 1e-4)
        double b = 0.7070567847218314;
        assertArrayEquals(new double[] {b, -b}, Advantages.group(new double[] {2, 0}, true, 1e-4), 1e-12);
    }

    @Test
    void withoutStdScalingOnlyTheMeanIsSubtracted() {
        assertArrayEquals(new double[] {0.5, -0.5, -0.5, 0.5},
                Advantages.group(new double[] {1, 0, 0, 1}, false, 1e-4), 0.0);
        assertArrayEquals(new double[] {1.5, -0.5, -0.5, -0.5},
                Advantages.group(new double[] {2, 0, 0, 0}, false, 1e-4), 1e-15);
    }

    @Test
    void allEqualRewardsGiveExactlyZero() {
        // 0.1 * 3 / 3 is not exactly 0.1 in floating point; the group must still give exact zeros.
        assertArrayEquals(new double[] {0, 0, 0}, Advantages.group(new double[] {0.1, 0.1, 0.1}, true, 1e-4), 0.0);
        assertArrayEquals(new double[] {0}, Advantages.group(new double[] {7}, true, 1e-4), 0.0);
        assertTrue(Advantages.allEqual(new double[] {2, 2}));
        assertFalse(Advantages.allEqual(new double[] {2, 2.0000001}));
    }
}
