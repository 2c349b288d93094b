package io.mr1.task.geometryreasoning;

import java.util.List;

/**
 * One generated geometry problem: its text, what it states and asks, and the figure,
 * drawn to scale so every stated and asked value can be measured in it.
 *
 * @param family the problem family, e.g. {@code triangle-angles}
 * @param variant the variant within the family, e.g. {@code exterior-angle}
 * @param question the question in GeoQA's style
 * @param given what the question states
 * @param asked what it asks; its value is the answer
 * @param figure the figure
 */
record GeoProblem(String family, String variant, String question, List<Measure> given, Measure asked, Figure figure) {

    GeoProblem {
        given = List.copyOf(given);
    }

    /** @return the ground truth as written in the dataset: {@code 70°} for angles, {@code 5} for lengths */
    String answer() {
        return asked.value() + (asked.isAngle() ? "°" : "");
    }
}
