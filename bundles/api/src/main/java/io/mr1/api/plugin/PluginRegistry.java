package io.mr1.api.plugin;

import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.kl.KlScheduleProvider;
import io.mr1.api.reward.RewardFunction;
import io.mr1.api.task.Task;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Everything installed right now, tracked with dynamic references: plugins appear and
 * disappear as their bundles come and go, without restarting consumers. When two
 * services share a name, the one with the highest service ranking (then the lowest
 * service id) wins, as OSGi's own service selection does; {@link #unique} is the lookup a run
 * uses, which refuses such a name instead (the one place duplicates are detected).
 */
@ProviderType
public interface PluginRegistry {

    /** @return every registered plugin, sorted by kind then name */
    List<PluginInfo> plugins();

    /**
     * @param name backend name
     * @return the backend, if one of that name is registered
     */
    Optional<PolicyBackend> backend(String name);

    /**
     * @param name reward name
     * @return the reward function, if one of that name is registered
     */
    Optional<RewardFunction> reward(String name);

    /**
     * @param name schedule name
     * @return the schedule provider, if one of that name is registered
     */
    Optional<KlScheduleProvider> klSchedule(String name);

    /**
     * @param name task name
     * @return the task, if one of that name is registered
     */
    Optional<Task> task(String name);

    /**
     * Names registered for one kind, for "valid choices are ..." messages.
     *
     * @param kind the kind
     * @return sorted names
     */
    List<String> names(PluginKind kind);

    /**
     * The plugin of a kind and name when at most one bundle provides it: the lookup for
     * anything a run is configured with.
     *
     * @param kind the kind
     * @param name the name
     * @param type the service type of the kind
     * @param <T> that type
     * @return the plugin, or empty when none of that name is registered
     * @throws DuplicatePluginException naming every bundle when two or more provide the name
     */
    default <T> Optional<T> unique(PluginKind kind, String name, Class<T> type) {
        Optional<DuplicatePluginException> duplicate = DuplicatePluginException.among(plugins(), kind, name);
        if (duplicate.isPresent()) {
            throw duplicate.get();
        }
        Optional<?> found = switch (kind) {
            case BACKEND -> backend(name);
            case REWARD -> reward(name);
            case KL_SCHEDULE -> klSchedule(name);
            case TASK -> task(name);
        };
        return found.map(type::cast);
    }
}
