package io.mr1.policy;

/**
 * The next token of every row of a decoding batch, as {@link TensorEngine#drawTokens} returns it.
 *
 * @param tokens per row, the drawn token id
 * @param logProbs per row, the drawn token's log-probability at temperature 1 (pi_old)
 */
public record TokenDraw(int[] tokens, float[] logProbs) {

    /**
     * The reference draw on the host: the logits are copied out and every row goes through
     * {@link TokenSampler} (ban, draw at the given uniform, log-prob at temperature 1).
     *
     * @param logits [B, V] last-position logits
     * @param banned token ids never drawn
     * @param temperature 0 for greedy
     * @param topK 0 for all
     * @param topP 1 for all
     * @param uniforms per row a number in [0, 1) from the caller's seeded stream
     * @return the draw
     */
    public static TokenDraw onHost(io.mr1.tensor.Tensor logits, int[] banned, double temperature, int topK,
                                   double topP, double[] uniforms) {
        long[] shape = logits.shape();
        int rows = (int) shape[0];
        int vocab = (int) shape[1];
        float[] last = logits.toFloatArray();
        int[] tokens = new int[rows];
        float[] logps = new float[rows];
        for (int r = 0; r < rows; r++) {
            TokenSampler.ban(last, r * vocab, banned);
            tokens[r] = TokenSampler.sample(last, r * vocab, vocab, temperature, topK, topP, uniforms[r]);
            logps[r] = (float) TokenSampler.logProbability(last, r * vocab, vocab, tokens[r]);
        }
        return new TokenDraw(tokens, logps);
    }
}
