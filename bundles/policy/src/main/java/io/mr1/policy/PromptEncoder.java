package io.mr1.policy;

import io.mr1.api.types.ImageRef;
import io.mr1.api.types.Prompt;
import io.mr1.models.ChatTemplate;
import io.mr1.models.ImageProcessor;
import io.mr1.models.ModelConfig;
import io.mr1.models.MropePositions;
import io.mr1.models.PatchedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns prompts into token ids (chat template, one placeholder per merged image token, as
 * many as the image's grid gives), processed image patches and M-RoPE positions, keeping
 * recently used images up to a byte budget: training revisits the same images every epoch.
 */
final class PromptEncoder {

    /** A prompt tokenised, with its images processed and its M-RoPE positions. */
    record Encoded(long[] ids, List<PatchedImage> images, MropePositions positions) {

        /** (temporal, height, width) position of real token j: the prompt's, then one more per generated token. */
        long position(int axis, int j) {
            return j < ids.length ? positions.ids()[axis][j] : positions.next() + (j - ids.length);
        }
    }

    /**
     * The image cache's budget in bytes of patch values: an eighth of the Java heap, at most 1 GiB.
     * An image at R1-V's max_pixels is 1564 x 1176 floats (7.4 MB), so a count of entries would
     * not bound the heap; the least recently used images go first.
     */
    static final long IMAGE_CACHE_BYTES = Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 8);

    private final ModelConfig config;
    private final ImageProcessor processor;
    private final TextTokenizer tokenizer;
    private final long cacheBudget;
    private long cachedBytes;
    /** In access order: the least recently used first. */
    private final Map<Path, PatchedImage> imageCache = new LinkedHashMap<>(256, 0.75f, true);

    /**
     * @param config the model
     * @param processor the model folder's image processor (null for a model without vision)
     * @param tokenizer the tokenizer
     */
    PromptEncoder(ModelConfig config, ImageProcessor processor, TextTokenizer tokenizer) {
        this(config, processor, tokenizer, IMAGE_CACHE_BYTES);
    }

    /**
     * @param config the model
     * @param processor the model folder's image processor (null for a model without vision)
     * @param tokenizer the tokenizer
     * @param cacheBudget the most bytes of patch values the image cache keeps (the newest image always)
     */
    PromptEncoder(ModelConfig config, ImageProcessor processor, TextTokenizer tokenizer, long cacheBudget) {
        this.cacheBudget = cacheBudget;
        this.config = config;
        this.processor = processor;
        this.tokenizer = tokenizer;
    }

    Encoded encode(Prompt prompt) {
        if (!prompt.images().isEmpty() && (config.visionConfig() == null || processor == null)) {
            throw new IllegalArgumentException("prompt " + prompt.id() + " has images but the model has no vision encoder");
        }
        List<PatchedImage> images = new ArrayList<>();
        List<Integer> tokens = new ArrayList<>();
        List<int[]> grids = new ArrayList<>();
        for (ImageRef ref : prompt.images()) {
            Path path = ref.path().toAbsolutePath();
            PatchedImage image = imageCache.get(path);
            if (image == null) {
                try {
                    image = processor.read(path);
                } catch (IOException e) {
                    throw new UncheckedIOException("prompt " + prompt.id() + ": " + e.getMessage(), e);
                }
                cachedBytes += bytes(image);
                imageCache.put(path, image);
                java.util.Iterator<PatchedImage> eldest = imageCache.values().iterator();
                while (cachedBytes > cacheBudget && imageCache.size() > 1) {
                    cachedBytes -= bytes(eldest.next());
                    eldest.remove();
                }
            }
            images.add(image);
            tokens.add(image.tokens(config.visionConfig().spatialMergeSize()));
            grids.add(image.gridThw());
        }
        long[] ids = tokenizer.encode(ChatTemplate.render(prompt.text(), tokens));
        int merge = config.visionConfig() == null ? 1 : config.visionConfig().spatialMergeSize();
        try {
            return new Encoded(ids, images, MropePositions.of(ids, config.imageTokenId(), merge, grids));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("prompt " + prompt.id() + ": " + e.getMessage(), e);
        }
    }

    private static long bytes(PatchedImage image) {
        return 4L * image.values().length;
    }

    /** @return bytes of patch values the image cache holds */
    long cachedImageBytes() {
        return cachedBytes;
    }

    /**
     * Encodes each distinct prompt once.
     *
     * @param prompts prompt of each row
     * @param source filled with, for each row, the index of its prompt among the distinct ones
     * @return the distinct prompts, encoded, in order of first appearance
     */
    List<Encoded> encodeDistinct(List<Prompt> prompts, int[] source) {
        Map<Prompt, Integer> firstRow = new LinkedHashMap<>();
        List<Encoded> unique = new ArrayList<>();
        for (int r = 0; r < prompts.size(); r++) {
            Integer u = firstRow.get(prompts.get(r));
            if (u == null) {
                u = unique.size();
                firstRow.put(prompts.get(r), u);
                unique.add(encode(prompts.get(r)));
            }
            source[r] = u;
        }
        return unique;
    }
}
