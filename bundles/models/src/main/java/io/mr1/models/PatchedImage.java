package io.mr1.models;

/**
 * One image as the vision tower receives it: its patch rows (each {@code channels x temporal
 * x patch x patch} values, 1176 for Qwen2-VL) in 2x2 merge-block order, and its grid.
 *
 * @param gridT temporal patches (1 for a still image)
 * @param gridH patch rows
 * @param gridW patch columns
 * @param resizedHeight pixel height after {@code smart_resize}
 * @param resizedWidth pixel width after {@code smart_resize}
 * @param values row-major [gridT * gridH * gridW, rowWidth] values
 */
public record PatchedImage(int gridT, int gridH, int gridW, int resizedHeight, int resizedWidth, float[] values) {

    /** @return patch rows, gridT * gridH * gridW */
    public int rows() {
        return gridT * gridH * gridW;
    }

    /** @return {@code image_grid_thw} */
    public int[] gridThw() {
        return new int[] {gridT, gridH, gridW};
    }

    /**
     * @param mergeSize the spatial merge side (2)
     * @return placeholder tokens this image takes in the language sequence
     */
    public int tokens(int mergeSize) {
        return rows() / (mergeSize * mergeSize);
    }
}
