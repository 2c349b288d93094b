package io.mr1.answers;

/**
 * R1-V's format check, {@code re.fullmatch(r"<think>.*?</think>\s*<answer>.*?</answer>", text, re.DOTALL)},
 * decided by a linear scan instead of a backtracking regular expression (which takes
 * quadratic time or worse on long repeated or unclosed tags). The verdicts are the same:
 * the text starts with {@code <think>} and ends with {@code </answer>}, and some
 * {@code </think>} after the opening tag is followed, after optional whitespace, by an
 * {@code <answer>} that ends before the final closing tag. Anything may stand between
 * the tags, newlines and further tags included.
 */
public final class ThinkAnswerFormat {

    private static final String THINK_OPEN = "<think>";
    private static final String THINK_CLOSE = "</think>";
    private static final String ANSWER_OPEN = "<answer>";
    private static final String ANSWER_CLOSE = "</answer>";

    private ThinkAnswerFormat() {
    }

    /**
     * Whether a whole text is in the think/answer format.
     *
     * @param text a completion, possibly null (not in the format)
     * @return true when the whole text matches R1-V's pattern
     */
    public static boolean matches(String text) {
        if (text == null || !text.startsWith(THINK_OPEN) || !text.endsWith(ANSWER_CLOSE)) {
            return false;
        }
        // The answer's opening tag must end at or before the final closing tag starts.
        int lastAnswerOpen = text.length() - ANSWER_CLOSE.length() - ANSWER_OPEN.length();
        int close = text.indexOf(THINK_CLOSE, THINK_OPEN.length());
        // Each candidate </think> is tried once; the whitespace runs after distinct candidates
        // are disjoint (whitespace cannot contain a tag), so the whole scan is linear.
        while (close >= 0) {
            int after = close + THINK_CLOSE.length();
            int j = after;
            while (j < text.length() && isRegexSpace(text.charAt(j))) {
                j++;
            }
            if (j > lastAnswerOpen) {
                return false;
            }
            if (text.startsWith(ANSWER_OPEN, j)) {
                return true;
            }
            close = text.indexOf(THINK_CLOSE, after);
        }
        return false;
    }

    /** Java regex {@code \s} (what the format reward matched with before): space, tab, newline, vertical tab, form feed, return. */
    private static boolean isRegexSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }
}
