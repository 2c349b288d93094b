package io.mr1.klschedule.adaptive;

import io.mr1.api.kl.KlSchedule;
import io.mr1.api.kl.KlScheduleProvider;
import io.mr1.api.kl.ScheduleOverrides;
import io.mr1.api.kl.ScheduleParameters;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/**
 * Ziegler et al.'s adaptive KL controller (verl's {@code AdaptiveKLController}): beta starts
 * at {@code beta}, and each observed step with mean KL {@code kl} multiplies it by
 * <pre>
 * 1 + clip(kl / target - 1, -0.2, 0.2) * n / horizon
 * </pre>
 * where n is the number of steps since the previous observation (1 for the first). n is
 * capped at {@code horizon} so that a long gap cannot make the factor negative; beta
 * therefore stays &gt; 0. A NaN KL (no measurement) leaves the state unchanged.
 */
@Component(service = KlScheduleProvider.class, configurationPid = AdaptiveSchedule.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class AdaptiveSchedule implements KlScheduleProvider {

    /** ConfigAdmin PID ({@code plugins/io.mr1.klschedule.adaptive.cfg}). */
    public static final String PID = "io.mr1.klschedule.adaptive";

    /** The schedule's name. */
    public static final String NAME = "adaptive";

    /** Parameter: the initial weight, &gt; 0 (default 0.04); also the state key of the current weight. */
    public static final String BETA = "beta";

    /** Parameter: the KL the controller steers towards, &gt; 0 (default 0.01). */
    public static final String TARGET = "target";

    /** Parameter: the number of steps over which a full error is corrected, &gt; 0 (default 10000). */
    public static final String HORIZON = "horizon";

    /** State key: the last observed step, -1 before the first observation. */
    public static final String LAST_STEP = "last_step";

    /** The largest relative KL error the controller acts on, as in Ziegler et al. and verl. */
    static final double ERROR_CLIP = 0.2;

    private final Map<String, Double> defaults;

    /**
     * Creates the provider with ConfigAdmin configuration.
     *
     * @param properties component properties; keys {@code beta}, {@code target} and
     *     {@code horizon} replace the built-in defaults
     * @throws IllegalArgumentException when a configured value is invalid
     */
    @Activate
    public AdaptiveSchedule(Map<String, Object> properties) {
        Map<String, Double> builtIn = new LinkedHashMap<>();
        builtIn.put(BETA, 0.04);
        builtIn.put(TARGET, 0.01);
        builtIn.put(HORIZON, 10000.0);
        defaults = Collections.unmodifiableMap(ScheduleParameters.configured(builtIn, properties));
        // Validate now, so that a bad configuration file fails activation and SCR logs why.
        create(ScheduleOverrides.none());
    }

    /** Creates the provider with the built-in defaults beta 0.04, target 0.01, horizon 10000 (for tests and tools). */
    public AdaptiveSchedule() {
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
    public KlSchedule create(ScheduleOverrides overrides) {
        Map<String, Double> params = ScheduleParameters.resolve(NAME, defaults, presets(), overrides);
        return new Controller(positive(params, BETA), positive(params, TARGET), positive(params, HORIZON));
    }

    private static double positive(Map<String, Double> params, String key) {
        double value = ScheduleParameters.requireNonNegative(NAME, params, key);
        if (value == 0) {
            // beta: a multiplicative controller would keep 0 forever; target, horizon: divisors.
            throw new IllegalArgumentException("parameter '" + key + "' of KL schedule '" + NAME + "' must be > 0");
        }
        return value;
    }

    /** One run's controller; the trainer calls it from one thread. */
    private static final class Controller implements KlSchedule {

        private final double target;
        private final double horizon;
        private double beta;
        private long lastStep = -1;

        Controller(double beta, double target, double horizon) {
            this.beta = beta;
            this.target = target;
            this.horizon = horizon;
        }

        @Override
        public double beta(long step, long totalSteps) {
            ScheduleParameters.checkStep(step, totalSteps);
            return beta;
        }

        @Override
        public void observe(long step, long totalSteps, double klMean) {
            ScheduleParameters.checkStep(step, totalSteps);
            if (Double.isNaN(klMean)) {
                return;
            }
            double error = Math.max(-ERROR_CLIP, Math.min(ERROR_CLIP, klMean / target - 1));
            long n = lastStep < 0 ? 1 : Math.max(1, step - lastStep);
            beta *= 1 + error * Math.min(n, horizon) / horizon;
            lastStep = step;
        }

        @Override
        public Map<String, Double> state() {
            Map<String, Double> state = new LinkedHashMap<>();
            state.put(BETA, beta);
            state.put(LAST_STEP, (double) lastStep);
            return state;
        }

        @Override
        public void restore(Map<String, Double> state) {
            double savedBeta = saved(state, BETA);
            double savedStep = saved(state, LAST_STEP);
            if (!(savedBeta > 0) || Double.isInfinite(savedBeta)) {
                throw new IllegalArgumentException("saved '" + BETA + "' of KL schedule '" + NAME
                        + "' must be a finite number > 0, got " + savedBeta);
            }
            if (savedStep < -1 || savedStep != Math.rint(savedStep)) {
                throw new IllegalArgumentException("saved '" + LAST_STEP + "' of KL schedule '" + NAME
                        + "' must be a whole number >= -1, got " + savedStep);
            }
            beta = savedBeta;
            lastStep = (long) savedStep;
        }

        private static double saved(Map<String, Double> state, String key) {
            Double value = state.get(key);
            if (value == null) {
                throw new IllegalArgumentException("saved state of KL schedule '" + NAME + "' lacks '" + key
                        + "'; it needs " + BETA + " and " + LAST_STEP + ", got " + state.keySet());
            }
            return value;
        }
    }

}
