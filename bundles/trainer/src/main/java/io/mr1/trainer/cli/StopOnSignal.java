package io.mr1.trainer.cli;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Turns Ctrl-C (SIGINT/SIGTERM) into a stop request: a shutdown hook sets the flag the training
 * loop checks between steps and holds the JVM until {@link #close} says the command has
 * checkpointed. Used in try-with-resources around a command's work.
 */
final class StopOnSignal implements AutoCloseable {

    private final AtomicBoolean requested = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    /**
     * Installs the hook.
     *
     * @param err where the interruption is announced
     * @param message what is said when it comes
     */
    StopOnSignal(PrintStream err, String message) {
        hook = new Thread(() -> {
            requested.set(true);
            err.println();
            err.println(message);
            try {
                finished.await(); // the JVM exits only after the command has checkpointed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "mr1-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** @return whether a stop was requested */
    boolean requested() {
        return requested.get();
    }

    @Override
    public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running; it returns once finished is counted down
        }
    }
}
