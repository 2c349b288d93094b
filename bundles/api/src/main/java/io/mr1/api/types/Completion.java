package io.mr1.api.types;

import java.util.Objects;

/**
 * One sampled completion of a prompt. Token ids and the per-token log-probs under the
 * sampling policy (pi_old) are kept so the trainer can form the importance ratio without
 * re-running the old policy.
 *
 * @param promptId id of the prompt this completion answers
 * @param index index of the completion within its group of G, 0-based
 * @param text decoded text, special tokens removed
 * @param tokenIds completion token ids, up to and including the end-of-sequence token if one was sampled
 * @param logProbs log-probability of each token under the sampling policy, same length as tokenIds
 * @param endedWithEos whether sampling stopped on the end-of-sequence token (false: hit the length limit)
 */
public record Completion(String promptId, int index, String text, int[] tokenIds, float[] logProbs,
                         boolean endedWithEos) {
    /** Validates that ids and log-probs line up. */
    public Completion {
        Objects.requireNonNull(promptId, "promptId");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(tokenIds, "tokenIds");
        Objects.requireNonNull(logProbs, "logProbs");
        if (tokenIds.length != logProbs.length) {
            throw new IllegalArgumentException("tokenIds and logProbs differ in length: "
                    + tokenIds.length + " vs " + logProbs.length);
        }
    }

    /**
     * A completion known only by its text (for reward checks outside training).
     *
     * @param promptId prompt id
     * @param index index in the group
     * @param text the text
     * @return a completion with no token information
     */
    public static Completion ofText(String promptId, int index, String text) {
        return new Completion(promptId, index, text, new int[0], new float[0], false);
    }

    /**
     * Identifier used in logs and fault reports: {@code promptId#index}.
     *
     * @return the identifier
     */
    public String id() {
        return promptId + "#" + index;
    }

    /** @return number of completion tokens */
    public int length() {
        return tokenIds.length;
    }
}
