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
     * @param images number of images shown before the text
     * @param tokensPerImage placeholder tokens per image (merged vision tokens)
     * @return the text to tokenise
     */
    public static String render(String text, int images, int tokensPerImage) {
        StringBuilder sb = new StringBuilder("<|im_start|> user ");
        for (int i = 0; i < images; i++) {
            sb.append("<|vision_start|> ");
            sb.append("<|image_pad|> ".repeat(tokensPerImage));
            sb.append("<|vision_end|> ");
        }
        sb.append(text).append(" <|im_end|> <|im_start|> assistant ");
        return sb.toString();
    }
}
