package io.mr1.backend.pytorchnatives.internal;

import io.mr1.backend.pytorchnatives.DjlRuntime;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.SynchronousBundleListener;
import org.slf4j.LoggerFactory;

/**
 * Initialises DJL's engine registry with this bundle's class loader as the context class loader,
 * so that an adapter that touches {@code ai.djl.engine.Engine} first, without
 * {@link DjlRuntime#call}, still finds the engines and a default engine. Loads no native library:
 * libtorch is loaded on the first {@link DjlRuntime#pytorch()}.
 *
 * <p>The work waits for {@link FrameworkEvent#STARTED} (or runs at once when the framework is
 * already active): initialising DJL's {@code Engine} logs through slf4j, and slf4j settles on a
 * no-operation logger for the life of the JVM if it is first used before its provider bundle
 * (slf4j-simple, registered through SPI Fly) is active. In a launcher that starts every resident
 * bundle at one start level in file-name order, {@code pytorch-natives} starts before
 * {@code slf4j-*}.
 *
 * <p>The same holds at the other end: {@code STARTED} is delivered on the framework's event thread,
 * and a short command ({@code mr1 plugins}) may already be stopping the framework by then. The
 * slf4j bundles stop before this one (reverse start order), so waiting in {@link #stop} is too late;
 * instead the framework's own {@code STOPPING} event, delivered synchronously before any bundle
 * stops, closes the activator: it waits for a registration in flight and prevents a later one. A JNI
 * library cannot be unloaded, so stopping does nothing else.
 */
public final class Activator implements BundleActivator {

    /** Longest wait for a registration in flight when the framework stops (it takes well under 1 s). */
    private static final long CLOSE_WAIT_SECONDS = 10;

    /** Held while registering; taken by {@link #close()} so shutdown waits for a registration in flight. */
    private final ReentrantLock lock = new ReentrantLock();
    private boolean done; // guarded by lock
    private volatile boolean closed; // written under the lock (or after a timed-out wait for it)
    private volatile FrameworkListener listener;
    private volatile SynchronousBundleListener shutdownListener;

    /** Creates the activator; the framework calls this. */
    public Activator() {}

    /**
     * Registers DJL's engines under this bundle's class loader once the framework has started.
     *
     * @param context this bundle's context
     */
    @Override
    public void start(BundleContext context) {
        SynchronousBundleListener shutdown = event -> {
            if (event.getBundle().getBundleId() == 0 && event.getType() == BundleEvent.STOPPING) {
                close();
            }
        };
        shutdownListener = shutdown;
        context.addBundleListener(shutdown);
        FrameworkListener l = event -> {
            if (event.getType() == FrameworkEvent.STARTED) {
                registerOnce(context);
            }
        };
        listener = l;
        context.addFrameworkListener(l);
        Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        if (system != null && system.getState() == Bundle.ACTIVE) {
            registerOnce(context);
        }
    }

    /**
     * Removes the listeners. The native engine stays loaded for the life of the JVM.
     *
     * @param context this bundle's context
     */
    @Override
    public void stop(BundleContext context) {
        close();
        FrameworkListener l = listener;
        if (l != null) {
            context.removeFrameworkListener(l);
            listener = null;
        }
        SynchronousBundleListener s = shutdownListener;
        if (s != null) {
            context.removeBundleListener(s);
            shutdownListener = null;
        }
    }

    /** Waits for a registration in flight, then makes every later {@link #registerOnce} a no-op. */
    private void close() {
        boolean locked = false;
        try {
            locked = lock.tryLock(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            closed = true; // without the lock only after a timeout: registration then ends on its own
        } finally {
            if (locked) {
                lock.unlock();
            }
        }
    }

    private void registerOnce(BundleContext context) {
        lock.lock();
        try {
            if (done || closed || !frameworkActive(context)) {
                return;
            }
            done = true;
            FrameworkListener l = listener;
            if (l != null) {
                try {
                    context.removeFrameworkListener(l);
                } catch (IllegalStateException stopped) {
                    return; // the bundle was stopped meanwhile
                }
            }
            try {
                DjlRuntime.registerEngines();
            } catch (RuntimeException | LinkageError e) {
                // Not fatal here: DjlRuntime retries on first use and reports to its caller.
                LoggerFactory.getLogger(Activator.class).warn("Cannot initialise DJL's engine registry", e);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether the framework is running (not starting, not stopping) and this bundle still usable. */
    private static boolean frameworkActive(BundleContext context) {
        try {
            Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
            return system != null && system.getState() == Bundle.ACTIVE;
        } catch (IllegalStateException stopped) {
            return false;
        }
    }
}
