package io.mr1.task.visualcounting;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A counting question about one scene and its answer.
 *
 * @param family which kind of question: {@code items}, {@code objects}, {@code color-shape},
 *     {@code size-material}, {@code shape} or {@code color}
 * @param text the question as asked
 * @param query the attributes an object must have to be counted ({@code color},
 *     {@code shape}, {@code size}, {@code material}); empty for "how many in total"
 * @param answer how many objects of the scene match
 */
public record CountingQuestion(String family, String text, Map<String, String> query, int answer) {
    /** Copies the query, keeping its order (written to scene files, which must be byte-stable). */
    public CountingQuestion {
        query = Collections.unmodifiableMap(new LinkedHashMap<>(query));
    }
}
