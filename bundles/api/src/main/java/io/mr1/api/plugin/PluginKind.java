package io.mr1.api.plugin;

import java.util.Locale;

/** The kinds of plugin service mr1 knows. */
public enum PluginKind {
    /** A {@link io.mr1.api.backend.PolicyBackend}. */
    BACKEND,
    /** A {@link io.mr1.api.reward.RewardFunction}. */
    REWARD,
    /** A {@link io.mr1.api.kl.KlScheduleProvider}. */
    KL_SCHEDULE,
    /** A {@link io.mr1.api.task.Task}. */
    TASK;

    /**
     * The kind as written in {@code mr1 plugins --json}: {@code backend}, {@code reward},
     * {@code kl-schedule}, {@code task}.
     *
     * @return the label
     */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
