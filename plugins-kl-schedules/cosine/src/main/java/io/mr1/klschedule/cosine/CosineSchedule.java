package io.mr1.klschedule.cosine;

import io.mr1.api.kl.KlSchedule;
import io.mr1.api.kl.ScheduleParameters;
import io.mr1.api.kl.SimpleScheduleProvider;
import java.util.LinkedHashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/**
 * Half a cosine from {@code start} at s = 0 to {@code end} at s = t, flat at both ends:
 * beta(s) = end + (start - end) * (1 + cos(pi * s / t)) / 2.
 */
@Component(service = io.mr1.api.kl.KlScheduleProvider.class, configurationPid = CosineSchedule.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class CosineSchedule extends SimpleScheduleProvider {

    /** ConfigAdmin PID ({@code plugins/io.mr1.klschedule.cosine.cfg}). */
    public static final String PID = "io.mr1.klschedule.cosine";

    /** The schedule's name. */
    public static final String NAME = "cosine";

    /** Parameter: the weight at s = 0 (default 0.1). */
    public static final String START = "start";

    /** Parameter: the weight at s = t (default 0.01). */
    public static final String END = "end";

    /**
     * Creates the provider with ConfigAdmin configuration.
     *
     * @param properties component properties; keys {@code start} and {@code end} replace the built-in defaults
     * @throws IllegalArgumentException when a configured value is invalid
     */
    @Activate
    public CosineSchedule(Map<String, Object> properties) {
        super(NAME, builtIn(), properties);
    }

    /** Creates the provider with the built-in defaults start = 0.1, end = 0.01 (for tests and tools). */
    public CosineSchedule() {
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
        double start = ScheduleParameters.requireNonNegative(NAME, params, START);
        double end = ScheduleParameters.requireNonNegative(NAME, params, END);
        return (step, totalSteps) -> end + (start - end) * (1 + Math.cos(Math.PI * step / totalSteps)) / 2;
    }
}
