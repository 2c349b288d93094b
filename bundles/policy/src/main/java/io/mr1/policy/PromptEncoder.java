package io.mr1.policy;

import io.mr1.api.types.ImageRef;
import io.mr1.api.types.Prompt;
import io.mr1.models.ChatTemplate;
import io.mr1.models.ImagePatches;
import io.mr1.models.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns prompts into token ids (chat template, image placeholders) and preprocessed image
 * patches, keeping recently used images: training revisits the same images every epoch.
 */
final class PromptEncoder {

    /** A prompt tokenised, with its images preprocessed. */
    record Encoded(long[] ids, List<float[][]> images) {
    }

    private static final int IMAGE_CACHE_SIZE = 4096;

    private final ModelConfig config;
    private final TextTokenizer tokenizer;
    private final Map<Path, float[][]> imageCache = new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Path, float[][]> eldest) {
            return size() > IMAGE_CACHE_SIZE;
        }
    };

    PromptEncoder(ModelConfig config, TextTokenizer tokenizer) {
        this.config = config;
        this.tokenizer = tokenizer;
    }

    Encoded encode(Prompt prompt) {
        int perImage = config.visionConfig() == null ? 0 : config.visionConfig().tokensPerImage();
        if (!prompt.images().isEmpty() && config.visionConfig() == null) {
            throw new IllegalArgumentException("prompt " + prompt.id() + " has images but the model has no vision encoder");
        }
        List<float[][]> images = new ArrayList<>();
        for (ImageRef ref : prompt.images()) {
            Path path = ref.path().toAbsolutePath();
            float[][] patches = imageCache.get(path);
            if (patches == null) {
                try {
                    patches = ImagePatches.read(path, config.visionConfig());
                } catch (IOException e) {
                    throw new UncheckedIOException("prompt " + prompt.id() + ": " + e.getMessage(), e);
                }
                imageCache.put(path, patches);
            }
            images.add(patches);
        }
        String text = ChatTemplate.render(prompt.text(), images.size(), perImage);
        return new Encoded(tokenizer.encode(text), images);
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
