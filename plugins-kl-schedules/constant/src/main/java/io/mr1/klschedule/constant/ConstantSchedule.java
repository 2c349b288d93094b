package io.mr1.klschedule.constant;

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
 * The KL weight of plain GRPO: beta(s) = {@code beta} at every step s of t.
 */
@Component(service = KlScheduleProvider.class, configurationPid = ConstantSchedule.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class ConstantSchedule implements KlScheduleProvider {

    /** ConfigAdmin PID ({@code plugins/io.mr1.klschedule.constant.cfg}). */
    public static final String PID = "io.mr1.klschedule.constant";

    /** The schedule's name. */
    public static final String NAME = "constant";

    /** Parameter: the KL weight (paper: 0.04, the default GRPO). */
    public static final String BETA = "beta";

    private final Map<String, Double> defaults;

    /**
     * Creates the provider with ConfigAdmin configuration.
     *
     * @param properties component properties; a key {@code beta} replaces the built-in default
     * @throws IllegalArgumentException when the configured value is not a number or negative
     */
    @Activate
    public ConstantSchedule(Map<String, Object> properties) {
        Map<String, Double> builtIn = new LinkedHashMap<>();
        builtIn.put(BETA, 0.04);
        defaults = Collections.unmodifiableMap(ScheduleParameters.configured(builtIn, properties));
        // Validate now, so that a bad configuration file fails activation and SCR logs why.
        build(defaults);
    }

    /** Creates the provider with the built-in default beta = 0.04 (for tests and tools). */
    public ConstantSchedule() {
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
        double beta = ScheduleParameters.requireNonNegative(NAME, params, BETA);
        return (step, totalSteps) -> {
            ScheduleParameters.checkStep(step, totalSteps);
            return beta;
        };
    }

}
