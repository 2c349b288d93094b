package io.mr1.trainer.run;

import io.mr1.trainer.loop.TrainingListener;
import java.util.function.BooleanSupplier;

/** Turns a stop request (Ctrl-C in {@code mr1 train}) into the loop's "checkpoint, then stop". */
final class StopSignal implements TrainingListener {

    private final BooleanSupplier requested;

    StopSignal(BooleanSupplier requested) {
        this.requested = requested;
    }

    @Override
    public boolean stopRequested() {
        return requested.getAsBoolean();
    }
}
