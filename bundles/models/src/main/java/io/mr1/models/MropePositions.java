package io.mr1.models;

import java.util.List;

/**
 * Qwen2-VL's M-RoPE position ids for one sequence (what transformers' {@code get_rope_index}
 * computes): text tokens count up on all three axes (temporal, height, width); an image's
 * placeholder tokens, one per merged 2x2 block, get (start + frame, start + block row,
 * start + block column); text after an image continues at start + max(frames, block rows,
 * block columns). Generated tokens continue from {@link #next()} on all three axes, which is
 * transformers' cache length + {@code rope_delta}.
 *
 * @param ids [3][length] temporal, height and width positions
 * @param next the position of the token after the sequence (max position + 1)
 */
public record MropePositions(long[][] ids, long next) {

    /** @return tokens covered */
    public int length() {
        return ids[0].length;
    }

    /**
     * @return {@code rope_delta}: next - length (zero for text, negative after images, since an
     *     image's tokens span fewer positions than tokens)
     */
    public long ropeDelta() {
        return next - length();
    }

    /**
     * Positions of a prompt's tokens.
     *
     * @param tokens the token ids (no padding)
     * @param imageTokenId the placeholder id
     * @param mergeSize spatial merge side (2)
     * @param grids {@code image_grid_thw} of the prompt's images, in order
     * @return the positions
     * @throws IllegalArgumentException if the placeholders do not match the images' grids
     */
    public static MropePositions of(long[] tokens, int imageTokenId, int mergeSize, List<int[]> grids) {
        long[][] out = new long[3][tokens.length];
        long start = 0;
        int image = 0;
        int j = 0;
        while (j < tokens.length) {
            if (tokens[j] != imageTokenId) {
                out[0][j] = out[1][j] = out[2][j] = start++;
                j++;
                continue;
            }
            if (image >= grids.size()) {
                throw new IllegalArgumentException("image placeholder at token " + j + " but only " + grids.size()
                        + " image(s) given");
            }
            int[] g = grids.get(image++);
            int rows = g[1] / mergeSize;
            int cols = g[2] / mergeSize;
            int count = g[0] * rows * cols;
            if (j + count > tokens.length) {
                throw new IllegalArgumentException("image " + (image - 1) + " (grid " + g[0] + "x" + g[1] + "x" + g[2]
                        + ") needs " + count + " placeholders from token " + j + ", the sequence ends first");
            }
            int k = j;
            for (int t = 0; t < g[0]; t++) {
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        if (tokens[k] != imageTokenId) {
                            throw new IllegalArgumentException("image " + (image - 1) + " needs " + count
                                    + " placeholders from token " + j + ", token " + k + " is not one");
                        }
                        out[0][k] = start + t;
                        out[1][k] = start + r;
                        out[2][k] = start + c;
                        k++;
                    }
                }
            }
            start += Math.max(g[0], Math.max(rows, cols));
            j = k;
        }
        if (image != grids.size()) {
            throw new IllegalArgumentException(grids.size() + " image(s) given but placeholders for " + image);
        }
        return new MropePositions(out, start);
    }
}
