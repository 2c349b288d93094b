package io.mr1.models;

import java.util.List;

/**
 * Qwen2-VL-Instruct's chat format (ChatML) for one user turn, as its hub chat template renders
 * it: the default system turn, the user turn with each image as {@code <|vision_start|>}, one
 * {@code <|image_pad|>} per merged image token (from the image's grid), {@code <|vision_end|>},
 * then the text, and the opening of the assistant turn. A completion (and an SFT target) ends
 * with {@code <|im_end|>}. Special tokens are added tokens of the tokenizer, matched before
 * any splitting, so the same text tokenises correctly with the real byte-level BPE tokenizer
 * and with the tiny word-level ones (whose vocabulary holds {@link #WORDS}).
 */
public final class ChatTemplate {

    /** The system prompt Qwen2-VL's template adds when a conversation has none (R1-V gives none). */
    public static final String DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant.";
    /** Opens a turn. */
    public static final String TURN_START = "<|im_start|>";
    /** Ends a turn: the end of every completion. */
    public static final String TURN_END = "<|im_end|>";
    /** Opens an image. */
    public static final String VISION_START = "<|vision_start|>";
    /** One merged image token, replaced by the vision tower's output. */
    public static final String IMAGE_PAD = "<|image_pad|>";
    /** Closes an image. */
    public static final String VISION_END = "<|vision_end|>";
    /** The words the template itself writes (roles and the default system prompt), for word-level vocabularies. */
    public static final List<String> WORDS = List.of("system", "user", "assistant", "You", "are", "a", "helpful", ".");

    private ChatTemplate() {
    }

    /**
     * Renders a prompt with the default system prompt.
     *
     * @param text the user text (task template already applied)
     * @param imageTokens for each image shown before the text, its number of merged image tokens
     * @return the text to tokenise (special tokens as text)
     */
    public static String render(String text, List<Integer> imageTokens) {
        return render(DEFAULT_SYSTEM_PROMPT, text, imageTokens);
    }

    /**
     * Renders a prompt.
     *
     * @param system the system prompt
     * @param text the user text (task template already applied)
     * @param imageTokens for each image shown before the text, its number of merged image tokens
     * @return the text to tokenise (special tokens as text)
     */
    public static String render(String system, String text, List<Integer> imageTokens) {
        StringBuilder sb = new StringBuilder();
        sb.append(TURN_START).append("system\n").append(system).append(TURN_END).append('\n');
        sb.append(TURN_START).append("user\n");
        for (int tokens : imageTokens) {
            if (tokens <= 0) {
                throw new IllegalArgumentException("an image needs at least one image token, got " + tokens);
            }
            sb.append(VISION_START).append(IMAGE_PAD.repeat(tokens)).append(VISION_END);
        }
        sb.append(text).append(TURN_END).append('\n');
        sb.append(TURN_START).append("assistant\n");
        return sb.toString();
    }

    /**
     * The assistant's turn as a training target: the text, then the end of the turn (what a
     * sampled completion ends with).
     *
     * @param text the answer text
     * @return the text to tokenise
     */
    public static String target(String text) {
        return text + TURN_END;
    }
}
