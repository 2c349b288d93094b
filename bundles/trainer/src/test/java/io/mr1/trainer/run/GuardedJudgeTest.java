package io.mr1.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.task.AnswerType;
import io.mr1.api.task.Judgement;
import io.mr1.api.task.Sample;
import io.mr1.api.task.Task;
import io.mr1.api.types.Prompt;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** A task's judge that throws an Error or never returns cannot stop an evaluation. */
class GuardedJudgeTest {

    /** A task named "faulty" whose judge is the given function. */
    static Task task(BiFunction<Sample, String, Judgement> judge) {
        return new Task() {
            @Override
            public String name() {
                return "faulty";
            }

            @Override
            public AnswerType answerType() {
                return AnswerType.INTEGER;
            }

            @Override
            public List<Sample> load(Path file, boolean skipBad) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Path generate(int count, long seed, Path outDir) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Judgement judge(Sample sample, String output) {
                return judge.apply(sample, output);
            }
        };
    }

    private static final Sample ITEM = new Sample(Prompt.text("item-0", "how many?"), "how many?", "3",
            AnswerType.INTEGER);

    @Test
    void anErrorIsAWrongJudgementAndAFault() {
        GuardedJudge judge = new GuardedJudge(task((s, o) -> {
            throw new StackOverflowError();
        }), Duration.ofMillis(200));
        Judgement j = judge.judge(ITEM, "3");
        assertFalse(j.strictCorrect() || j.lenientCorrect() || j.formatOk());
        assertEquals(1, judge.faults());
    }

    @Test
    void aHangingJudgeIsGivenUpOnAfterThreeTimeouts() {
        GuardedJudge judge = new GuardedJudge(hanging(), Duration.ofMillis(100));
        long began = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            assertFalse(judge.judge(ITEM, "3").strictCorrect());
        }
        assertTrue((System.nanoTime() - began) / 1e9 < 2.5, "three waits of 0.1 s, then none");
        assertEquals(20, judge.faults());
    }

    private static Task hanging() {
        return task((s, o) -> {
            while (true) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException ignored) {
                    // swallowed, as a careless plugin does
                }
            }
        });
    }

    @Test
    void aStopRequestGivesUpOnARunningJudgeCallAsOnARewardCall() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        GuardedJudge judge = new GuardedJudge(hanging(), GuardedJudge.calls(Duration.ofSeconds(60), stop::get));
        Thread stopper = new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
            stop.set(true);
        });
        stopper.start();
        long began = System.nanoTime();
        org.junit.jupiter.api.Assertions.assertThrows(io.mr1.trainer.loop.StepAbandoned.class,
                () -> judge.judge(ITEM, "3"));
        double seconds = (System.nanoTime() - began) / 1e9;
        stopper.join();
        assertTrue(seconds < 2, "given up on within 100 ms of the stop, not after the 60 s limit: " + seconds + " s");
    }

    @Test
    void aJudgeDisabledByTheRunsGuardStaysDisabledInItsNextEvaluation() {
        var calls = GuardedJudge.calls(Duration.ofMillis(100), () -> false);
        GuardedJudge first = new GuardedJudge(hanging(), calls);
        for (int i = 0; i < 3; i++) {
            first.judge(ITEM, "3");
        }
        assertTrue(calls.isDisabled("faulty"));
        GuardedJudge next = new GuardedJudge(hanging(), calls);
        long began = System.nanoTime();
        assertFalse(next.judge(ITEM, "3").strictCorrect());
        assertTrue((System.nanoTime() - began) / 1e9 < 0.05, "not called again");
        assertEquals(1, next.faults());
    }

    @Test
    void aWorkingJudgeIsUnchanged() {
        GuardedJudge judge = new GuardedJudge(task((s, o) -> new Judgement(true, true, true, o)));
        assertEquals(new Judgement(true, true, true, "3"), judge.judge(ITEM, "3"));
        assertEquals(0, judge.faults());
    }
}
