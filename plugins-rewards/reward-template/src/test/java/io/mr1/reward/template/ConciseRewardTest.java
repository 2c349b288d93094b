package io.mr1.reward.template;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mr1.api.reward.RewardScore;
import io.mr1.api.task.AnswerType;
import io.mr1.api.task.Sample;
import io.mr1.api.types.Prompt;
import java.lang.annotation.Annotation;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConciseRewardTest {

    /** A configuration as ConfigAdmin would pass it, for a test without a framework. */
    private static ConciseReward.Config config(double weight, int maxChars) {
        return new ConciseReward.Config() {
            @Override
            public double weight() {
                return weight;
            }

            @Override
            public int max__chars() {
                return maxChars;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return ConciseReward.Config.class;
            }
        };
    }

    @Test
    void scoresOneUpToMaxCharsInclusive() {
        ConciseReward reward = new ConciseReward(config(0.5, 5));
        Sample sample = new Sample(Prompt.text("s1", "q"), "q", "3", AnswerType.INTEGER);
        List<RewardScore> scores = reward.score(sample, List.of("", "12345", "123456", "三四五六七"));
        assertEquals(List.of(1.0, 1.0, 0.0, 1.0), scores.stream().map(RewardScore::value).toList());
        assertEquals("concise", reward.name());
        assertEquals(0.5, reward.weight());
    }
}
