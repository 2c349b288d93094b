package io.mr1.core.internal;

import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.kl.KlScheduleProvider;
import io.mr1.api.plugin.DuplicatePluginException;
import io.mr1.api.plugin.PluginInfo;
import io.mr1.api.plugin.PluginKind;
import io.mr1.api.plugin.PluginRegistry;
import io.mr1.api.reward.RewardFunction;
import io.mr1.api.task.Task;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Tracks every plugin service with greedy, dynamic, optional-multiple references: a
 * bundle that comes or goes changes what this registry lists without this component
 * being deactivated, which is the rule for every consumer of plugins in mr1.
 */
@Component(service = PluginRegistry.class)
public final class DefaultPluginRegistry implements PluginRegistry {

    private static final Logger LOG = Logger.getLogger(DefaultPluginRegistry.class.getName());

    /** A registered plugin: its kind, name, the service object and its reference. */
    private record Entry(PluginKind kind, String name, Object service, ServiceReference<?> ref) {
    }

    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeBackend")
    void addBackend(PolicyBackend backend, ServiceReference<PolicyBackend> ref) {
        add(PluginKind.BACKEND, backend, ref, PolicyBackend::name);
    }

    void removeBackend(PolicyBackend backend, ServiceReference<PolicyBackend> ref) {
        remove(ref);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeReward")
    void addReward(RewardFunction reward, ServiceReference<RewardFunction> ref) {
        add(PluginKind.REWARD, reward, ref, RewardFunction::name);
    }

    void removeReward(RewardFunction reward, ServiceReference<RewardFunction> ref) {
        remove(ref);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeKlSchedule")
    void addKlSchedule(KlScheduleProvider schedule, ServiceReference<KlScheduleProvider> ref) {
        add(PluginKind.KL_SCHEDULE, schedule, ref, KlScheduleProvider::name);
    }

    void removeKlSchedule(KlScheduleProvider schedule, ServiceReference<KlScheduleProvider> ref) {
        remove(ref);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeTask")
    void addTask(Task task, ServiceReference<Task> ref) {
        add(PluginKind.TASK, task, ref, Task::name);
    }

    void removeTask(Task task, ServiceReference<Task> ref) {
        remove(ref);
    }

    private <T> void add(PluginKind kind, T service, ServiceReference<?> ref, Function<T, String> nameOf) {
        String name;
        try {
            name = nameOf.apply(service);
        } catch (RuntimeException e) {
            // A plugin that cannot even name itself is skipped, not allowed to break the registry.
            LOG.log(Level.WARNING, "Ignoring " + kind.label() + " from bundle " + bundleName(ref)
                    + ": its name() threw", e);
            return;
        }
        if (name == null || name.isBlank()) {
            LOG.warning("Ignoring " + kind.label() + " with a blank name from bundle " + bundleName(ref));
            return;
        }
        entries.add(new Entry(kind, name, service, ref));
    }

    private void remove(ServiceReference<?> ref) {
        entries.removeIf(e -> e.ref().equals(ref));
    }

    private static String bundleName(ServiceReference<?> ref) {
        Bundle bundle = ref.getBundle();
        return bundle == null ? "(unregistered)" : bundle.getSymbolicName();
    }

    private static final Comparator<PluginInfo> ORDER = Comparator.comparing(PluginInfo::kind)
            .thenComparing(PluginInfo::name).thenComparing(PluginInfo::bundle);

    private static PluginInfo info(Entry e) {
        Bundle bundle = e.ref().getBundle();
        return new PluginInfo(e.kind(), e.name(), bundle == null ? "" : bundle.getSymbolicName(),
                bundle == null ? "" : bundle.getVersion().toString());
    }

    @Override
    public List<PluginInfo> plugins() {
        List<PluginInfo> out = new ArrayList<>();
        for (Entry e : entries) {
            out.add(info(e));
        }
        out.sort(ORDER);
        return out;
    }

    /** As the interface's, but on one snapshot of the registrations (a bundle may come or go meanwhile). */
    @Override
    public <T> Optional<T> unique(PluginKind kind, String name, Class<T> type) {
        List<Entry> matching = entries.stream().filter(e -> e.kind() == kind && e.name().equals(name)).toList();
        if (matching.size() > 1) {
            throw new DuplicatePluginException(kind, name, matching.stream().map(DefaultPluginRegistry::info)
                    .sorted(ORDER).toList());
        }
        return matching.stream().findFirst().map(e -> type.cast(e.service()));
    }

    @Override
    public List<String> names(PluginKind kind) {
        return entries.stream().filter(e -> e.kind() == kind).map(Entry::name).distinct().sorted().toList();
    }

    /** The service of a kind and name with the highest ranking (ServiceReference's natural order). */
    private <T> Optional<T> find(PluginKind kind, String name, Class<T> type) {
        return entries.stream()
                .filter(e -> e.kind() == kind && e.name().equals(name))
                .max((a, b) -> compareRefs(a.ref(), b.ref()))
                .map(e -> type.cast(e.service()));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compareRefs(ServiceReference a, ServiceReference b) {
        return a.compareTo(b);
    }

    @Override
    public Optional<PolicyBackend> backend(String name) {
        return find(PluginKind.BACKEND, name, PolicyBackend.class);
    }

    @Override
    public Optional<RewardFunction> reward(String name) {
        return find(PluginKind.REWARD, name, RewardFunction.class);
    }

    @Override
    public Optional<KlScheduleProvider> klSchedule(String name) {
        return find(PluginKind.KL_SCHEDULE, name, KlScheduleProvider.class);
    }

    @Override
    public Optional<Task> task(String name) {
        return find(PluginKind.TASK, name, Task.class);
    }
}
