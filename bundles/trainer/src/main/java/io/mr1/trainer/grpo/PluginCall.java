package io.mr1.trainer.grpo;

import io.mr1.trainer.loop.StepAbandoned;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Calls plugin code (a reward, a task's judge) so that no fault of the plugin stops the run:
 * the call runs on a daemon worker thread and is waited for at most a time limit; whatever it
 * throws comes back as {@link Failed} — checked exceptions, RuntimeExceptions and errors such
 * as a StackOverflowError (the worker's stack has unwound) or a NoClassDefFoundError — except
 * OutOfMemoryError and the JVM's internal errors, which are rethrown: after them the process
 * itself is not to be trusted. A call past its limit is interrupted and abandoned
 * ({@link TimedOut}); a plugin that ignores the interrupt keeps only its own worker thread,
 * which, being a daemon, never keeps the process alive.
 *
 * <p>The one rule for slow plugins, for rewards and judges alike: a plugin whose calls time out
 * {@value #DISABLE_AFTER} times in a row is disabled for as long as this guard lives (one run:
 * it is not called again, {@link #isDisabled}), said once through the notice. And a stop
 * request (Ctrl-C, SIGTERM) gives up on a running call within {@value #STOP_POLL_MILLIS} ms
 * ({@link StepAbandoned}).
 */
public final class PluginCall {

    /** Consecutive timed-out calls after which a plugin is disabled. */
    public static final int DISABLE_AFTER = 3;

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
    private final BooleanSupplier stop;
    private final Consumer<String> notice;
    private final String whenDisabled;
    private final ExecutorService workers;
    private final Map<String, Integer> timeoutsInARow = new HashMap<>();
    private final Set<String> disabled = new HashSet<>();

    /**
     * @param kind what is called, for messages ({@code reward}, {@code judge of task})
     * @param timeout the time limit of one call
     * @param stop whether a stop was requested: a call still running then is given up on
     * @param notice told when a plugin is disabled (the console)
     * @param whenDisabled what disabling means for the caller, ending the notice (e.g. "it scores 0")
     */
    public PluginCall(String kind, Duration timeout, BooleanSupplier stop, Consumer<String> notice,
                      String whenDisabled) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the time limit must be positive, got " + timeout);
        }
        this.kind = kind;
        this.timeout = timeout;
        this.stop = stop;
        this.notice = notice;
        this.whenDisabled = whenDisabled;
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
     * @param name a plugin's name
     * @return whether it is disabled (it timed out {@value #DISABLE_AFTER} calls in a row)
     */
    public synchronized boolean isDisabled(String name) {
        return disabled.contains(name);
    }

    /** @return the plugins disabled so far */
    public synchronized Set<String> disabled() {
        return Set.copyOf(disabled);
    }

    /**
     * Calls the plugin, giving up at once when a stop is requested while it runs. A plugin
     * that is disabled is not called.
     *
     * @param name the plugin's name, for messages and the count of timeouts in a row
     * @param work the call
     * @param <T> its result
     * @return what it returned
     * @throws TimedOut if it ran past the time limit, or is disabled
     * @throws Failed if it threw (anything but a JVM-fatal error)
     * @throws StepAbandoned if a stop was requested before it answered (the call is interrupted)
     */
    public <T> T call(String name, Callable<T> work) throws TimedOut, Failed {
        if (isDisabled(name)) {
            throw new TimedOut("is disabled for this run (it ran past its time limit on " + DISABLE_AFTER
                    + " calls in a row)");
        }
        try {
            T result = limited(name, work);
            synchronized (this) {
                timeoutsInARow.remove(name);
            }
            return result;
        } catch (TimedOut e) {
            int inARow;
            boolean now;
            synchronized (this) {
                inARow = timeoutsInARow.merge(name, 1, Integer::sum);
                now = inARow >= DISABLE_AFTER && disabled.add(name);
            }
            if (now) {
                notice.accept(kind + " '" + name + "' ran past its time limit (" + timeout.toMillis() / 1000.0
                        + " s) on " + inARow + " calls in a row; it is disabled for the rest of this run: "
                        + whenDisabled);
            }
            throw e;
        }
    }

    private <T> T limited(String name, Callable<T> work) throws TimedOut, Failed {
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
