package io.mr1.trainer.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mr1.api.reward.RewardFunction;
import io.mr1.api.reward.RewardScore;
import io.mr1.api.task.AnswerType;
import io.mr1.api.task.Sample;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import io.mr1.api.types.RewardBreakdown;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class RewardAggregatorTest {

    private static final Sample SAMPLE = new Sample(Prompt.text("s7", "q"), "q", "3", AnswerType.INTEGER);

    private static RewardFunction reward(String name, java.util.function.Function<String, Double> f) {
        return new RewardFunction() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<RewardScore> score(Sample sample, List<String> completions) {
                return completions.stream().map(c -> RewardScore.of(f.apply(c))).toList();
            }
        };
    }

    private static List<Completion> completions(String... texts) {
        List<Completion> out = new java.util.ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            out.add(Completion.ofText("s7", i, texts[i]));
        }
        return out;
    }

    @Test
    void weightedTotalIsTheSumOfWeightedScores() {
        var acc = new WeightedReward(reward("accuracy", c -> c.equals("3") ? 1.0 : 0.0), "accuracy", 1.0);
        var fmt = new WeightedReward(reward("format", c -> 1.0), "format", 0.5);
        List<RewardBreakdown> out = new RewardAggregator().score(SAMPLE, completions("3", "4"), List.of(acc, fmt));
        assertEquals(1.5, out.get(0).total(), 0.0);
        assertEquals(0.5, out.get(1).total(), 0.0);
        assertEquals("s7#1", out.get(1).completionId());
    }

    @Test
    void throwingOrNonFiniteRewardsScoreZeroForThatCompletionOnlyAndAreLogged() {
        List<String> logged = new CopyOnWriteArrayList<>();
        Logger logger = Logger.getLogger(RewardAggregator.class.getName());
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        try {
            var flaky = new WeightedReward(reward("flaky", c -> switch (c) {
                case "boom" -> throw new IllegalStateException("parser bug");
                case "nan" -> Double.NaN;
                case "inf" -> Double.POSITIVE_INFINITY;
                default -> 1.0;
            }), "flaky", 1.0);
            var steady = new WeightedReward(reward("steady", c -> 0.25), "steady", 1.0);
            List<RewardBreakdown> out = new RewardAggregator().score(SAMPLE,
                    completions("ok", "boom", "nan", "inf"), List.of(flaky, steady));
            assertEquals(List.of(1.0, 0.0, 0.0, 0.0), out.stream().map(b -> b.scores().get("flaky")).toList());
            assertEquals(List.of(0.25, 0.25, 0.25, 0.25), out.stream().map(b -> b.scores().get("steady")).toList());
            assertEquals(List.of(Set.of(), Set.of("flaky"), Set.of("flaky"), Set.of("flaky")),
                    out.stream().map(RewardBreakdown::faults).toList());
            assertEquals(1, logged.stream().filter(m -> m.contains("'flaky'") && m.contains("s7#1")
                    && m.contains("parser bug")).count(), logged.toString());
            assertEquals(1, logged.stream().filter(m -> m.contains("s7#2") && m.contains("NaN")).count());
        } finally {
            logger.removeHandler(handler);
        }
    }

    @Test
    void aRewardReturningTheWrongNumberOfScoresIsIsolatedPerCompletion() {
        RewardFunction shortChanged = new RewardFunction() {
            @Override
            public String name() {
                return "short";
            }

            @Override
            public List<RewardScore> score(Sample sample, List<String> completions) {
                return List.of(RewardScore.of(0.5)); // one score, whatever the batch size
            }
        };
        List<RewardBreakdown> out = new RewardAggregator().score(SAMPLE, completions("a", "b", "c"),
                List.of(WeightedReward.of(shortChanged)));
        assertEquals(List.of(0.5, 0.5, 0.5), out.stream().map(b -> b.scores().get("short")).toList());
        assertEquals(0, out.stream().mapToInt(b -> b.faults().size()).sum());
    }
}
