package io.mr1.backend.pytorchnatives.internal;

import io.mr1.backend.pytorchnatives.DjlRuntime;

import java.util.concurrent.atomic.AtomicBoolean;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
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
 * {@code slf4j-*}. Stopping does nothing; a JNI library cannot be unloaded.
 */
public final class Activator implements BundleActivator {

    private final AtomicBoolean done = new AtomicBoolean();
    private volatile FrameworkListener listener;

    /** Creates the activator; the framework calls this. */
    public Activator() {}

    /**
     * Registers DJL's engines under this bundle's class loader once the framework has started.
     *
     * @param context this bundle's context
     */
    @Override
    public void start(BundleContext context) {
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
     * Removes the framework listener. The native engine stays loaded for the life of the JVM.
     *
     * @param context this bundle's context
     */
    @Override
    public void stop(BundleContext context) {
        FrameworkListener l = listener;
        if (l != null) {
            context.removeFrameworkListener(l);
            listener = null;
        }
    }

    private void registerOnce(BundleContext context) {
        if (!done.compareAndSet(false, true)) {
            return;
        }
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
    }
}
