package io.mr1.trainer.internal;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Stage;
import io.mr1.api.cli.CliCommand;
import io.mr1.api.plugin.PluginRegistry;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The trainer bundle's one DS component. Its {@code @Activate} builds a private Guice
 * injector over the trainer's parts, binding the DS-injected services with
 * {@code toInstance}, and registers the trainer's commands; the injector never leaves
 * this bundle.
 */
@Component(immediate = true)
public final class TrainerComponent {

    private final Injector injector;
    private final List<ServiceRegistration<CliCommand>> registrations = new ArrayList<>();

    /**
     * Wires the trainer.
     *
     * @param registry the plugin registry (DS)
     * @param context this bundle's context
     */
    @Activate
    public TrainerComponent(@Reference PluginRegistry registry, BundleContext context) {
        this.injector = Guice.createInjector(Stage.PRODUCTION, new AbstractModule() {
            @Override
            protected void configure() {
                bind(PluginRegistry.class).toInstance(registry);
            }
        });
        for (Class<? extends CliCommand> type : List.of(ScheduleCommand.class, RewardsCommand.class,
                io.mr1.trainer.run.TrainCommand.class, io.mr1.trainer.run.EvalCommand.class,
                io.mr1.trainer.run.DemoCommand.class)) {
            CliCommand command = injector.getInstance(type);
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(CliCommand.NAME_PROPERTY, command.name());
            registrations.add(context.registerService(CliCommand.class, command, props));
        }
    }

    /** @return the private injector (for the run orchestration built on these parts) */
    Injector injector() {
        return injector;
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<CliCommand> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework unregisters a stopping bundle's services itself
            }
        }
        registrations.clear();
    }
}
