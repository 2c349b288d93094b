package io.mr1.klschedule.constant;

import io.mr1.api.kl.KlSchedule;
import io.mr1.api.kl.ScheduleParameters;
import io.mr1.api.kl.SimpleScheduleProvider;
import java.util.LinkedHashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/**
 * The KL weight of plain GRPO: beta(s) = {@code beta} at every step s of t.
 */
@Component(service = io.mr1.api.kl.KlScheduleProvider.class, configurationPid = ConstantSchedule.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class ConstantSchedule extends SimpleScheduleProvider {

    /** ConfigAdmin PID ({@code plugins/io.mr1.klschedule.constant.cfg}). */
    public static final String PID = "io.mr1.klschedule.constant";

    /** The schedule's name. */
    public static final String NAME = "constant";

    /** Parameter: the KL weight (paper: 0.04, the default GRPO). */
    public static final String BETA = "beta";

    /**
     * Creates the provider with ConfigAdmin configuration.
     *
     * @param properties component properties; a key {@code beta} replaces the built-in default
     * @throws IllegalArgumentException when the configured value is not a number or negative
     */
    @Activate
    public ConstantSchedule(Map<String, Object> properties) {
        super(NAME, builtIn(), properties);
    }

    /** Creates the provider with the built-in default beta = 0.04 (for tests and tools). */
    public ConstantSchedule() {
        this(Map.of());
    }

    private static Map<String, Double> builtIn() {
        Map<String, Double> builtIn = new LinkedHashMap<>();
        builtIn.put(BETA, 0.04);
        return builtIn;
    }

    @Override
    protected KlSchedule curve(Map<String, Double> params) {
        double beta = ScheduleParameters.requireNonNegative(NAME, params, BETA);
        return (step, totalSteps) -> beta;
    }
}
