package io.mr1.klschedule.linear;

import io.mr1.api.kl.KlSchedule;
import io.mr1.api.kl.KlScheduleProvider;
import io.mr1.api.kl.ScheduleParameters;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/**
 * A straight line from {@code start} at s = 0 to {@code end} at s = t:
 * beta(s) = start + (end - start) * s / t.
 */
@Component(service = KlScheduleProvider.class, configurationPid = LinearSchedule.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class LinearSchedule implements KlScheduleProvider {

    /** ConfigAdmin PID ({@code plugins/io.mr1.klschedule.linear.cfg}). */
    public static final String PID = "io.mr1.klschedule.linear";

    /** The schedule's name. */
    public static final String NAME = "linear";

    /** Parameter: the weight at s = 0 (default 0.1). */
    public static final String START = "start";

    /** Parameter: the weight at s = t (default 0.01). */
    public static final String END = "end";

    private final Map<String, Double> defaults;

    /**
     * Creates the provider with ConfigAdmin configuration.
     *
     * @param properties component properties; keys {@code start} and {@code end} replace the built-in defaults
     * @throws IllegalArgumentException when a configured value is invalid
     */
    @Activate
    public LinearSchedule(Map<String, Object> properties) {
        Map<String, Double> builtIn = new LinkedHashMap<>();
        builtIn.put(START, 0.1);
        builtIn.put(END, 0.01);
        defaults = Collections.unmodifiableMap(ScheduleParameters.configured(builtIn, properties));
        // Validate now, so that a bad configuration file fails activation and SCR logs why.
        build(defaults);
    }

    /** Creates the provider with the built-in defaults start = 0.1, end = 0.01 (for tests and tools). */
    public LinearSchedule() {
        this(Map.of());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Double> parameters() {
        return defaults;
    }

    @Override
    public KlSchedule create(Map<String, String> overrides) {
        return build(ScheduleParameters.resolve(NAME, defaults, presets(), overrides));
    }

    private static KlSchedule build(Map<String, Double> params) {
        double start = ScheduleParameters.requireNonNegative(NAME, params, START);
        double end = ScheduleParameters.requireNonNegative(NAME, params, END);
        return (step, totalSteps) -> {
            ScheduleParameters.checkStep(step, totalSteps);
            return start + (end - start) * step / totalSteps;
        };
    }

}
