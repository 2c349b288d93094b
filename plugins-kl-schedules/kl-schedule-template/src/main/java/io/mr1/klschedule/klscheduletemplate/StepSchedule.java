package io.mr1.klschedule.klscheduletemplate;

import io.mr1.api.kl.KlSchedule;
import io.mr1.api.kl.KlScheduleProvider;
import io.mr1.api.kl.ScheduleOverrides;
import io.mr1.api.kl.ScheduleParameters;
import io.mr1.api.kl.SimpleScheduleProvider;
import java.util.LinkedHashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/**
 * A step schedule: beta(s) = {@code beta_start} while s &lt; {@code switch_at} x t, then
 * {@code beta_end}. Copy this class, rename it, its {@link #NAME} and {@link #PID}, and
 * change {@link #curve}: the base class implements {@link KlScheduleProvider#create(ScheduleOverrides)}
 * of {@code io.mr1.api.kl} 2.0 (a run's preset and typed parameter values, resolved over
 * the ConfigAdmin defaults, unknown names rejected), so a schedule is its parameters, its
 * presets and one function.
 */
@Component(service = KlScheduleProvider.class, configurationPid = StepSchedule.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class StepSchedule extends SimpleScheduleProvider {

    /** ConfigAdmin PID ({@code plugins/io.mr1.klschedule.klscheduletemplate.cfg}). */
    public static final String PID = "io.mr1.klschedule.klscheduletemplate";

    /** The schedule's name, as the run config's {@code kl_schedule.name} gives it. */
    public static final String NAME = "step";

    /** A preset: a run selects it with {@code kl_schedule: {name: step, preset: gentle}}. */
    public static final String GENTLE = "gentle";

    /**
     * Creates the provider with ConfigAdmin configuration.
     *
     * @param properties component properties; keys named like the parameters replace the built-in defaults
     * @throws IllegalArgumentException when a configured value is not a number
     */
    @Activate
    public StepSchedule(Map<String, Object> properties) {
        super(NAME, builtIn(), properties);
    }

    /** Creates the provider with the built-in defaults (for tests and tools). */
    public StepSchedule() {
        this(Map.of());
    }

    private static Map<String, Double> builtIn() {
        Map<String, Double> builtIn = new LinkedHashMap<>();
        builtIn.put("beta_start", 0.04);
        builtIn.put("beta_end", 0.01);
        builtIn.put("switch_at", 0.5);
        return builtIn;
    }

    /** Presets are applied before a run's own values; a schedule without any leaves this out. */
    @Override
    public Map<String, Map<String, Double>> presets() {
        return Map.of(GENTLE, Map.of("beta_start", 0.02, "beta_end", 0.0));
    }

    @Override
    protected KlSchedule curve(Map<String, Double> params) {
        double start = ScheduleParameters.requireNonNegative(NAME, params, "beta_start");
        double end = ScheduleParameters.requireNonNegative(NAME, params, "beta_end");
        double switchAt = params.get("switch_at");
        if (!(switchAt >= 0 && switchAt <= 1)) {
            throw new IllegalArgumentException("parameter 'switch_at' of KL schedule '" + NAME
                    + "' must be in [0, 1], got " + switchAt);
        }
        return (step, totalSteps) -> step < switchAt * totalSteps ? start : end;
    }
}
