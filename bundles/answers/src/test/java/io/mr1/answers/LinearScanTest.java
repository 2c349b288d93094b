package io.mr1.answers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The hand-written scans give the verdicts of the regular expressions they replace (checked
 * on many random tag soups against the regexes themselves), and finish on megabyte-long
 * adversarial completions. No timing is asserted: the scans are linear by construction
 * (one indexOf/lastIndexOf pass each); these tests only check they complete with the right verdicts.
 */
class LinearScanTest {

    /** The regexes mr1 used before (the format reward and the tasks' evaluation judge). */
    private static final Pattern FORMAT = Pattern.compile("<think>.*?</think>\\s*<answer>.*?</answer>", Pattern.DOTALL);
    private static final Pattern ANSWER_BLOCK = Pattern.compile("<answer>((?:(?!<answer>).)*?)</answer>", Pattern.DOTALL);

    private static final String[] TOKENS = {"<think>", "</think>", "<answer>", "</answer>", " ", "\n", "x", "7",
        "<", ">", "</", "think>", "\t"};

    @Test
    void sameVerdictsAsTheRegexesOnRandomTagSoup() {
        Random random = new Random(7);
        for (int trial = 0; trial < 50_000; trial++) {
            StringBuilder text = new StringBuilder();
            int n = random.nextInt(10);
            for (int i = 0; i < n; i++) {
                text.append(TOKENS[random.nextInt(TOKENS.length)]);
            }
            String s = text.toString();
            assertEquals(FORMAT.matcher(s).matches(), ThinkAnswerFormat.matches(s), () -> "format: " + s);
            assertEquals(regexLastAnswer(s), Answers.extract(s), () -> "extract: " + s);
        }
        // And on well-formed R1-V text.
        assertTrue(ThinkAnswerFormat.matches("<think>\na\n</think>\n\n<answer>\n1\n</answer>"));
        assertFalse(ThinkAnswerFormat.matches(" <think>a</think><answer>1</answer>"));
        assertFalse(ThinkAnswerFormat.matches("<think>a</think><answer>1</answer>\n"));
        assertFalse(ThinkAnswerFormat.matches(null));
    }

    private static String regexLastAnswer(String text) {
        Matcher m = ANSWER_BLOCK.matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last == null ? null : last.strip();
    }

    @Test
    void megabyteAdversarialCompletionsGetTheirVerdicts() {
        int mb = 1 << 20;
        String openTags = "<answer>".repeat(mb / 8);
        assertNull(Answers.extract(openTags));
        assertFalse(ThinkAnswerFormat.matches("<think>" + openTags));
        assertEquals(0.0, score(openTags, "7"));

        String thinkCloses = "<think>" + "</think>".repeat(mb / 8);
        assertFalse(ThinkAnswerFormat.matches(thinkCloses));
        assertFalse(ThinkAnswerFormat.matches(thinkCloses + "</answer>"));
        assertTrue(ThinkAnswerFormat.matches(thinkCloses + " <answer>7</answer>"));

        String unclosedThenAnswer = "<think>" + "<answer>x".repeat(mb / 9) + "</think><answer>7</answer>";
        assertTrue(ThinkAnswerFormat.matches(unclosedThenAnswer));
        assertEquals("7", Answers.extract(unclosedThenAnswer));
        assertEquals(1.0, score(unclosedThenAnswer, "7"));

        String whitespace = "<think>a</think>" + " ".repeat(mb) + "<answer>7</answer>";
        assertTrue(ThinkAnswerFormat.matches(whitespace));
        String spacesThenText = "<think>" + "</think>    ".repeat(mb / 12) + "x</answer>";
        assertFalse(ThinkAnswerFormat.matches(spacesThenText));

        String hugeAnswer = "<think>t</think><answer>" + "7".repeat(mb) + "</answer>";
        assertTrue(ThinkAnswerFormat.matches(hugeAnswer));
        assertEquals(0.0, score(hugeAnswer, "7"));
        assertEquals(Double.valueOf(7), Answers.lastNumber("x".repeat(mb) + "7", false));
    }

    private static double score(String completion, String truth) {
        return Answers.judge(completion, truth).correct() ? 1.0 : 0.0;
    }
}
