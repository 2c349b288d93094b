package io.mr1.klschedule.exponential;

import io.mr1.api.kl.KlSchedule;
import io.mr1.api.kl.ScheduleParameters;
import io.mr1.api.kl.SimpleScheduleProvider;
import java.util.LinkedHashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/**
 * A geometric curve from {@code start} at s = 0 to {@code end} at s = t, the same factor
 * every step: beta(s) = start * (end / start)^(s / t). Both ends must be &gt; 0.
 */
@Component(service = io.mr1.api.kl.KlScheduleProvider.class, configurationPid = ExponentialSchedule.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class ExponentialSchedule extends SimpleScheduleProvider {

    /** ConfigAdmin PID ({@code plugins/io.mr1.klschedule.exponential.cfg}). */
    public static final String PID = "io.mr1.klschedule.exponential";

    /** The schedule's name. */
    public static final String NAME = "exponential";

    /** Parameter: the weight at s = 0, &gt; 0 (default 0.1). */
    public static final String START = "start";

    /** Parameter: the weight at s = t, &gt; 0 (default 0.01). */
    public static final String END = "end";

    /**
     * Creates the provider with ConfigAdmin configuration.
     *
     * @param properties component properties; keys {@code start} and {@code end} replace the built-in defaults
     * @throws IllegalArgumentException when a configured value is invalid
     */
    @Activate
    public ExponentialSchedule(Map<String, Object> properties) {
        super(NAME, builtIn(), properties);
    }

    /** Creates the provider with the built-in defaults start = 0.1, end = 0.01 (for tests and tools). */
    public ExponentialSchedule() {
        this(Map.of());
    }

    private static Map<String, Double> builtIn() {
        Map<String, Double> builtIn = new LinkedHashMap<>();
        builtIn.put(START, 0.1);
        builtIn.put(END, 0.01);
        return builtIn;
    }

    @Override
    protected KlSchedule curve(Map<String, Double> params) {
        double start = positive(params, START);
        double end = positive(params, END);
        return (step, totalSteps) -> start * Math.pow(end / start, (double) step / totalSteps);
    }

    private static double positive(Map<String, Double> params, String key) {
        double value = ScheduleParameters.requireNonNegative(NAME, params, key);
        if (value == 0) {
            // A geometric curve cannot start or end at 0 (and end / start would be 0/0 or 0).
            throw new IllegalArgumentException("parameter '" + key + "' of KL schedule '" + NAME
                    + "' must be > 0, since beta = start * (end / start)^(s / t); got 0");
        }
        return value;
    }
}
