package io.mr1.reward.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.reward.RewardScore;
import io.mr1.api.task.AnswerType;
import io.mr1.api.task.Sample;
import io.mr1.api.types.Prompt;
import java.util.List;
import org.junit.jupiter.api.Test;

class FormatRewardTest {

    @Test
    void wellFormedCompletionsScoreOne() {
        assertTrue(FormatReward.matches("<think>count them</think><answer>3</answer>"));
        assertTrue(FormatReward.matches("<think>\nline one\nline two\n</think>\n\n <answer>\n 70° \n</answer>"));
        assertTrue(FormatReward.matches("<think></think><answer></answer>"), "empty tags still match, as in R1-V");
        assertTrue(FormatReward.matches("<think>三个物体 ✓</think>\t<answer>３</answer>"), "unicode inside tags");
    }

    @Test
    void anythingOutsideTheTwoBlocksScoresZero() {
        assertFalse(FormatReward.matches("<answer>4</answer>"), "missing think block");
        assertFalse(FormatReward.matches("<think>x</think>"), "missing answer block");
        assertFalse(FormatReward.matches("<think>x</think> 4"), "answer outside tags");
        assertFalse(FormatReward.matches(" <think>x</think><answer>4</answer>"), "leading whitespace: fullmatch fails");
        assertFalse(FormatReward.matches("<think>x</think><answer>4</answer>\n"), "trailing newline: fullmatch fails");
        assertFalse(FormatReward.matches("<answer>4</answer><think>x</think>"), "wrong order");
        assertFalse(FormatReward.matches("<think>x</think> so <answer>4</answer>"), "text between the blocks");
        assertFalse(FormatReward.matches("<think>x<answer>4</answer>"), "unclosed think");
        assertFalse(FormatReward.matches("<THINK>x</THINK><ANSWER>4</ANSWER>"), "tags are case-sensitive");
    }

    @Test
    void nestedTagsFollowR1vsLazyFullMatch() {
        // fullmatch backtracks the lazy groups, so a second answer block is swallowed by the first: R1-V scores 1.
        assertTrue(FormatReward.matches("<think>a</think><answer>1</answer><answer>2</answer>"));
        assertTrue(FormatReward.matches("<think><think>a</think></think><answer>1</answer>"));
    }

    @Test
    void scoresABatchInOrderWithConfiguredWeight() {
        FormatReward reward = new FormatReward(new FormatReward.Config() {
            @Override
            public double weight() {
                return 0.5;
            }

            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return FormatReward.Config.class;
            }
        });
        Sample sample = new Sample(Prompt.text("s1", "q"), "q", "3", AnswerType.INTEGER);
        List<RewardScore> scores = reward.score(sample, List.of("<think>a</think><answer>3</answer>", "3"));
        assertEquals(List.of(1.0, 0.0), scores.stream().map(RewardScore::value).toList());
        assertEquals(0.5, reward.weight());
        assertEquals("format", reward.name());
    }
}
