package io.mr1.answers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class AnswersTest {

    private static boolean correct(String answer, String truth) {
        return Answers.judge("<think>t</think><answer>" + answer + "</answer>", truth).correct();
    }

    @Test
    void aSentenceInsideTheTagsIsJudgedByTheValueItStates() {
        assertTrue(correct("The answer is 3", "3"));
        assertTrue(correct("There are three", "3"));
        assertTrue(correct("There are 7 objects in total.", "7"));
        assertTrue(correct("So the angle ABC is 70°.", "70°"));
        assertTrue(correct("The ratio is: 1:4", "\\frac{1}{4}"));
        assertTrue(correct("The length of AB is equal to 2√3 cm", "2√{3}"));
        assertFalse(correct("The answer is 4", "3"));
        assertFalse(correct("There are 3 cubes and 4 spheres", "3"), "two values stated");
        assertFalse(correct("The answer is 3 or 4", "3"));
        assertFalse(correct("2 + 2 is 5", "5"), "a sentence that contradicts itself has no value");
        assertEquals(3.0, Answers.value("There are three"));
        // Text answers stay text: no verb stating a number.
        assertTrue(correct("the triangle is isosceles", "The triangle is isosceles"));
    }

    @Test
    void aNumberRestatedInBracketsDoesNotMultiply() {
        assertEquals(4.0, Answers.value("4 (four)"));
        assertEquals(4.0, Answers.value("4(four)"));
        assertEquals(70.0, Answers.value("70° (seventy degrees)"));
        assertEquals(12.0, Answers.value("12 (12)"));
        assertNull(Answers.value("4 (five)"), "a restatement that disagrees has no value");
        assertTrue(correct("4 (four)", "4"));
        assertFalse(correct("4 (four)", "16"));
        // Products stay products.
        assertEquals(2 * (Math.sqrt(2) - 1), Answers.value("2(√2-1)"), 1e-12);
        assertEquals(2 * (Math.sqrt(2) - 1), Answers.value("2 (√2 - 1)"), 1e-12);
        assertEquals(6.0, Answers.value("2(3)"));
        assertEquals(Math.sqrt(3), Answers.value("√(3)"), 1e-12);
        assertEquals(Math.sqrt(3), Answers.value("sqrt(3)"), 1e-12);
        assertEquals(4.0, Answers.value("(4)"));
    }

    @Test
    void scaleWordsAreNumbersNotUnits() {
        assertEquals(3000.0, Answers.value("3 thousand"));
        assertEquals(24.0, Answers.value("2 dozen"));
        assertEquals(200.0, Answers.value("two hundred"));
        assertEquals(21000.0, Answers.value("twenty-one thousand"));
        assertEquals(2.5e6, Answers.value("2.5 million"));
        assertEquals(3000.0, Answers.value("3 thousand apples"));
        assertNull(Answers.value("3 thousands"), "a plural scale word is not a number");
        assertTrue(correct("3 thousand", "3000"));
        assertFalse(correct("3 thousand", "3"));
        assertFalse(correct("2 dozen", "2"));
    }

    @Test
    void aVariableIsNotAUnit() {
        assertNull(Answers.value("2x"));
        assertNull(Answers.value("2 x"));
        assertNull(Answers.value("3ab"));
        assertFalse(correct("2x", "2"));
        assertFalse(correct("2y", "2"));
        // Short units still are units.
        assertEquals(6.0, Answers.value("6m"));
        assertEquals(6.0, Answers.value("6 cm"));
        assertEquals(60.0, Answers.value("60 km/h"));
        assertEquals(2.0, Answers.value("2 kg"));
    }

    @Test
    void formsTheOldEvaluationJudgeRejectedReadByValue() {
        assertEquals(8.0, Answers.value("2^3"));
        assertEquals(70.0, Answers.value("x = 70"));
        assertEquals(0.25, Answers.value("1:4"));
        assertEquals(1000.0, Answers.value("1,000"));
    }

    @Test
    void aBlankGroundTruthIsAnError() {
        for (String truth : new String[] {"", " ", "\n\t", "<answer> </answer>", "<answer></answer>"}) {
            assertThrows(IllegalArgumentException.class, () -> Answers.judge("<answer></answer>", truth), truth);
            assertThrows(IllegalArgumentException.class, () -> Answers.groundTruth(truth), truth);
        }
        assertThrows(IllegalArgumentException.class, () -> Answers.judge("<answer>7</answer>", null));
        assertEquals("7", Answers.groundTruth(" <answer> 7 </answer> "));
        assertEquals("140°", Answers.groundTruth("140°"));
    }

    @Test
    void lastNumberScansLikeTheRegexItReplaces() {
        Pattern digits = Pattern.compile("(?<![\\d.])\\d+(?:\\.\\d+)?");
        Pattern words = Pattern.compile(digits.pattern() + "|\\b(?:zero|one|two|three|four|five|six|seven|eight|nine"
                + "|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)\\b",
                Pattern.CASE_INSENSITIVE);
        String[] pieces = {"1", "2", ".", "7", "seven", "Two", " ", "x", "_", "twenty", "-", "0.5", "\n"};
        Random random = new Random(9);
        for (int trial = 0; trial < 20_000; trial++) {
            StringBuilder text = new StringBuilder();
            int n = random.nextInt(8);
            for (int i = 0; i < n; i++) {
                text.append(pieces[random.nextInt(pieces.length)]);
            }
            String s = text.toString();
            assertEquals(regexLast(digits, s), Answers.lastNumber(s, false), s);
            assertEquals(regexLast(words, s), Answers.lastNumber(s, true), s);
        }
    }

    private static Double regexLast(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group();
        }
        if (last == null) {
            return null;
        }
        java.util.List<String> words = java.util.List.of("zero", "one", "two", "three", "four", "five", "six", "seven",
                "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                "eighteen", "nineteen", "twenty");
        int word = words.indexOf(last.toLowerCase(java.util.Locale.ROOT));
        return word >= 0 ? Double.valueOf(word) : Double.valueOf(last);
    }
}
