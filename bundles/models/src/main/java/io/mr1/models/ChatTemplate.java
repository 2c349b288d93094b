package io.mr1.models;

/**
 * Qwen2-VL's chat format for one user turn with images first and then text, followed by
 * the opening of the assistant turn (no system prompt, as R1-V prompts image tasks). The
 * completion ends with {@code <|im_end|>}. Tokens are separated by spaces so word-level
 * tokenizers split them the same way.
 */
public final class ChatTemplate {

    private ChatTemplate() {
    }

    /**
     * Renders a prompt.
     *
     * @param text the user text (task template already applied)
     * @param imageTokens for each image shown before the text, its placeholder tokens (merged
     *     vision tokens, from its grid)
     * @return the text to tokenise
     */
    public static String render(String text, java.util.List<Integer> imageTokens) {
        StringBuilder sb = new StringBuilder("<|im_start|> user ");
        for (int tokens : imageTokens) {
            sb.append("<|vision_start|> ");
            sb.append("<|image_pad|> ".repeat(tokens));
            sb.append("<|vision_end|> ");
        }
        sb.append(text).append(" <|im_end|> <|im_start|> assistant ");
        return sb.toString();
    }
}
