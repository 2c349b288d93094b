package io.mr1.reward.accuracy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mr1.tasks.support.AnswerJudge;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The training reward and the reported accuracy come from one judge: on every real model
 * output in {@code shared/data/real/r1v-eval} and on the forms the two judges once
 * disagreed on, R_acc = 1 exactly when evaluation's strict judgement is correct.
 */
class RewardEvaluationAgreementTest {

    private static final List<String> FILES = List.of(
            "counting_results_superclevr_200_qwen2vl_2b_instruct_legacy.json",
            "counting_results_superclevr_200_qwen2vl_2b_instruct_grpo100_legacy.json",
            "geoqa_test_qwen2vl_7b_instruct_legacy.json",
            "geoqa_test_qwen2vl_7b_grpo_2epochs_legacy.json");

    @Test
    void everyRealOutputGetsTheSameVerdictFromRewardAndEvaluation() throws IOException {
        Path dir = RealData.dir().resolve("r1v-eval");
        int items = 0;
        int correct = 0;
        List<String> disagreements = new ArrayList<>();
        for (String file : FILES) {
            AnswerJudge judge = file.startsWith("counting") ? AnswerJudge.forIntegers() : AnswerJudge.forExpressions();
            JsonArray results = JsonParser.parseString(Files.readString(dir.resolve(file), StandardCharsets.UTF_8))
                    .getAsJsonObject().getAsJsonArray("results");
            for (int i = 0; i < results.size(); i++) {
                JsonObject result = results.get(i).getAsJsonObject();
                String truth = result.get("ground_truth").getAsString();
                String output = result.get("model_output").getAsString();
                boolean reward = AccuracyReward.scoreOne(output, truth).value() == 1.0;
                boolean evaluation = judge.judge(truth, output).strictCorrect();
                if (reward != evaluation) {
                    disagreements.add(file + "#" + i + " truth=" + truth + " reward=" + reward);
                }
                items++;
                correct += reward ? 1 : 0;
            }
        }
        assertEquals(List.of(), disagreements);
        assertEquals(1908, items, "200 + 200 + 754 + 754 real outputs");
        assertEquals(96 + 165 + 198 + 276, correct, "the accuracies R1vAgreementTest reviews");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "2^3|8|true", "x = 70|70|true", "1:4|\\frac{1}{4}|true", "1,000|1000|true",
        "The answer is 3|3|true", "There are three|3|true", "4 (four)|4|true", "4 (four)|16|false",
        "3 thousand|3000|true", "3 thousand|3|false", "2 dozen|24|true", "2 dozen|2|false",
        "2x|2|false", "70°|70|true", "seven|7|true", "B|B|true", "(B) 30°|B|true", "ab ∥ cd|AB ∥ CD|true"})
    void listedCases(String answer, String truth, boolean expected) {
        String output = "<think>t</think><answer>" + answer + "</answer>";
        assertEquals(expected, AccuracyReward.scoreOne(output, truth).value() == 1.0, "reward");
        assertEquals(expected, AnswerJudge.forExpressions().judge(truth, output).strictCorrect(), "evaluation");
        assertEquals(expected, AnswerJudge.forIntegers().judge(truth, output).strictCorrect(), "evaluation (counts)");
    }

    @Test
    void aBlankTruthScoresZeroInTheRewardAndIsAnErrorInEvaluation() {
        assertEquals(0.0, AccuracyReward.scoreOne("<answer></answer>", " ").value());
        assertEquals("error", AccuracyReward.scoreOne("<answer></answer>", " ").diagnostics().get("method"));
        assertThrows(IllegalArgumentException.class, () -> AnswerJudge.forIntegers().judge("", "<answer></answer>"));
    }
}
