package io.mr1.trainer.run;

import io.mr1.api.report.RunReporter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The installed {@link RunReporter}s by name, for {@code report_to}. A run resolves its
 * reporters when it starts training and keeps them to its end.
 */
@Component(service = Reporters.class)
public final class Reporters {

    /** The {@code report_to} value that means every installed reporter (as in TRL). */
    public static final String ALL = "all";

    private final Map<String, RunReporter> installed = new ConcurrentHashMap<>();

    /**
     * A reporter appeared.
     *
     * @param reporter the reporter
     */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "remove")
    public void add(RunReporter reporter) {
        installed.put(reporter.name(), reporter);
    }

    /**
     * A reporter went away.
     *
     * @param reporter the reporter
     */
    public void remove(RunReporter reporter) {
        installed.remove(reporter.name(), reporter);
    }

    /** @return the installed reporters' names, sorted */
    public List<String> names() {
        return installed.keySet().stream().sorted().toList();
    }

    /**
     * Resolves a run's {@code report_to}.
     *
     * @param names the names ({@value #ALL}: every installed reporter)
     * @return the reporters, in the order named
     * @throws IllegalArgumentException naming the first reporter that is not installed
     */
    public List<RunReporter> resolve(List<String> names) {
        if (names.contains(ALL)) {
            return names().stream().map(installed::get).toList();
        }
        return names.stream().map(n -> Optional.ofNullable(installed.get(n)).orElseThrow(
                () -> new IllegalArgumentException("unknown reporter '" + n + "'; installed: "
                        + (installed.isEmpty() ? "(none)" : String.join(", ", names())) + " (or all, none)")))
                .toList();
    }
}
