package io.mr1.backend.pytorch;

import io.mr1.backend.conformance.BackendConformanceKit;
import io.mr1.models.Checkpoints;
import io.mr1.models.ModelConfig;
import io.mr1.models.WordLevelTokenizerJson;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds a tiny model folder for tests: a word-level vocabulary, a small config, seeded weights. */
final class TinyFixture {

    private TinyFixture() {
    }

    static Map<String, Integer> vocabulary() {
        List<String> words = new ArrayList<>(List.of("user", "assistant", "how", "many", "items", "are", "there",
                "in", "the", "image", "?", ".", "count", "objects", "answer", "is"));
        for (int i = 0; i <= 10; i++) {
            words.add(Integer.toString(i));
        }
        return WordLevelTokenizerJson.vocabulary(words);
    }

    static ModelConfig config(Map<String, Integer> vocab) {
        return BackendConformanceKit.tinyConfig(vocab);
    }

    static Path create(Path dir, long seed) throws IOException {
        Map<String, Integer> vocab = vocabulary();
        ModelConfig config = config(vocab);
        Checkpoints.createRandom(dir, config, BackendConformanceKit.tinyImages(config), vocab, seed);
        return dir;
    }
}
