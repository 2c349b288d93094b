package io.mr1.api.plugin;

import java.util.List;
import java.util.Optional;

/**
 * Two or more bundles provide a plugin of one kind and name. Which one a lookup would pick
 * differs between two copies of a distribution (it follows service ids, that is install order),
 * so mr1 never picks: a run that needs the name fails, naming every bundle.
 */
public final class DuplicatePluginException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient List<PluginInfo> providers;

    /**
     * @param kind the kind
     * @param name the name
     * @param providers the plugins of that kind and name (two or more)
     */
    public DuplicatePluginException(PluginKind kind, String name, List<PluginInfo> providers) {
        super(kind.label() + " '" + name + "' is provided by " + providers.size() + " bundles ("
                + String.join(", ", providers.stream().map(p -> p.bundle() + "@" + p.version()).toList()) + ")");
        this.providers = List.copyOf(providers);
    }

    /** @return the message with what to do about it, for errors that stop a command */
    public String withRemedy() {
        return getMessage() + "; remove all but one from plugins/ (or rename one of them)";
    }

    /** @return every plugin of the name, one per registered service */
    public List<PluginInfo> providers() {
        return providers;
    }

    /**
     * The duplicate of a kind and name among a snapshot of the registered plugins.
     *
     * @param plugins what {@link PluginRegistry#plugins()} listed
     * @param kind the kind
     * @param name the name
     * @return the exception to throw when two or more of them have the kind and name, else empty
     */
    public static Optional<DuplicatePluginException> among(List<PluginInfo> plugins, PluginKind kind, String name) {
        List<PluginInfo> providers = plugins.stream().filter(p -> p.kind() == kind && p.name().equals(name)).toList();
        return providers.size() > 1 ? Optional.of(new DuplicatePluginException(kind, name, providers))
                : Optional.empty();
    }
}
