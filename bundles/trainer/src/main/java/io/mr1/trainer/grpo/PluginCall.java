package io.mr1.trainer.grpo;

import io.mr1.trainer.loop.StepAbandoned;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Calls plugin code (a reward, a task's judge) so that no fault of the plugin stops the run:
 * the call runs on a daemon worker thread and is waited for at most a time limit; whatever it
 * throws comes back as {@link Failed} — checked exceptions, RuntimeExceptions and errors such
 * as a StackOverflowError (the worker's stack has unwound) or a NoClassDefFoundError — except
 * OutOfMemoryError and the JVM's internal errors, which are rethrown: after them the process
 * itself is not to be trusted. A call past its limit is interrupted and abandoned
 * ({@link TimedOut}); a plugin that ignores the interrupt keeps only its own worker thread,
 * which, being a daemon, never keeps the process alive.
 */
public final class PluginCall {

    /** The call ran past its time limit. */
    public static final class TimedOut extends Exception {
        private static final long serialVersionUID = 1L;

        TimedOut(String message) {
            super(message);
        }
    }

    /** The call threw; the cause is what it threw. */
    public static final class Failed extends Exception {
        private static final long serialVersionUID = 1L;

        Failed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** How often a waiting call checks for a stop request. */
    static final long STOP_POLL_MILLIS = 100;

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final String kind;
    private final Duration timeout;
    private final ExecutorService workers;

    /**
     * @param kind what is called, for messages ({@code reward}, {@code judge})
     * @param timeout the time limit of one call
     */
    public PluginCall(String kind, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the time limit must be positive, got " + timeout);
        }
        this.kind = kind;
        this.timeout = timeout;
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "mr1-" + kind + "-call-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** @return the time limit of one call */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Calls the plugin.
     *
     * @param name the plugin's name, for messages
     * @param work the call
     * @param <T> its result
     * @return what it returned
     * @throws TimedOut if it ran past the time limit
     * @throws Failed if it threw (anything but a JVM-fatal error)
     */
    public <T> T call(String name, Callable<T> work) throws TimedOut, Failed {
        return call(name, work, () -> false);
    }

    /**
     * Calls the plugin, giving up at once when a stop is requested while it runs.
     *
     * @param name the plugin's name, for messages
     * @param work the call
     * @param stop whether a stop was requested (checked every {@value #STOP_POLL_MILLIS} ms while waiting)
     * @param <T> its result
     * @return what it returned
     * @throws TimedOut if it ran past the time limit
     * @throws Failed if it threw (anything but a JVM-fatal error)
     * @throws StepAbandoned if a stop was requested before it answered (the call is interrupted)
     */
    public <T> T call(String name, Callable<T> work, BooleanSupplier stop) throws TimedOut, Failed {
        Future<T> future = workers.submit(work);
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException();
                }
                try {
                    return future.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(STOP_POLL_MILLIS)),
                            TimeUnit.NANOSECONDS);
                } catch (TimeoutException slice) {
                    if (stop.getAsBoolean()) {
                        future.cancel(true);
                        throw new StepAbandoned("stop requested while the " + kind + " '" + name + "' was running");
                    }
                }
            }
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new TimedOut("ran past its time limit of " + timeout.toMillis() / 1000.0 + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof VirtualMachineError fatal && !(cause instanceof StackOverflowError)) {
                throw fatal;
            }
            throw new Failed("threw " + cause, cause);
        } catch (InterruptedException e) {
            // The training thread itself was interrupted: give up on the call, keep the interrupt.
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new Failed("was abandoned: the " + kind + " call of '" + name + "' was interrupted", e);
        }
    }
}
