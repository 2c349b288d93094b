package io.mr1.console.internal;

import io.mr1.api.cli.CliCommand;
import java.io.PrintStream;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** Registers a Gogo {@link Function} {@code mr1:NAME} for every {@link CliCommand} service. */
@Component(immediate = true)
public final class GogoCommandBridge {

    private final Map<CliCommand, ServiceRegistration<Function>> registrations = new ConcurrentHashMap<>();
    private final BundleContext context;

    /**
     * Constructor activation: DS binds the dynamic references after this, so every bind
     * already has the context to register with.
     *
     * @param context this bundle's context
     */
    @Activate
    public GogoCommandBridge(BundleContext context) {
        this.context = context;
    }

    @Deactivate
    void deactivate() {
        registrations.keySet().forEach(this::removeCommand);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeCommand")
    void addCommand(CliCommand command) {
        registrations.put(command, register(command));
    }

    void removeCommand(CliCommand command) {
        ServiceRegistration<Function> reg = registrations.remove(command);
        if (reg != null) {
            try {
                reg.unregister();
            } catch (IllegalStateException alreadyGone) {
                // unregistered by the framework when this bundle stopped
            }
        }
    }

    private ServiceRegistration<Function> register(CliCommand command) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("osgi.command.scope", "mr1");
        props.put("osgi.command.function", command.name());
        Function function = (CommandSession session, List<Object> arguments) -> {
            String[] args = arguments.stream().map(String::valueOf).toArray(String[]::new);
            PrintStream out = session.getConsole();
            int status = command.execute(args, out, System.err);
            return status == 0 ? null : "exit status " + status;
        };
        return context.registerService(Function.class, function, props);
    }
}
