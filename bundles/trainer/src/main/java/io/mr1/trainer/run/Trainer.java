package io.mr1.trainer.run;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Stage;
import io.mr1.api.plugin.PluginRegistry;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The trainer's wiring, a DS component whose service type is private to this bundle: its
 * {@code @Activate} builds the private Guice injector over the trainer's parts, binding the
 * DS-injected registry with {@code toInstance}. The commands (each its own DS component)
 * reference it and take what they need; each run binds its algorithm and listeners in a
 * child injector ({@link RunModule}). No injector leaves this bundle.
 */
@Component(service = Trainer.class)
public final class Trainer {

    private final Injector injector;

    /**
     * Wires the trainer.
     *
     * @param registry the plugin registry (DS)
     * @param backends the installed backends and the running run's backend setting (DS)
     * @param reporters the installed report_to reporters (DS)
     */
    @Activate
    public Trainer(@Reference PluginRegistry registry, @Reference BackendControl backends,
                   @Reference Reporters reporters) {
        this.injector = Guice.createInjector(Stage.PRODUCTION, new AbstractModule() {
            @Override
            protected void configure() {
                bind(PluginRegistry.class).toInstance(registry);
                bind(BackendControl.class).toInstance(backends);
                bind(Reporters.class).toInstance(reporters);
            }
        });
    }

    /**
     * A part of the trainer, built by the private injector.
     *
     * @param type e.g. {@link TrainingSession}
     * @param <T> its type
     * @return the instance
     */
    public <T> T get(Class<T> type) {
        return injector.getInstance(type);
    }
}
