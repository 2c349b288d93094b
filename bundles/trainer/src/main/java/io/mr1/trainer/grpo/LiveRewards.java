package io.mr1.trainer.grpo;

import io.mr1.api.plugin.DuplicatePluginException;
import io.mr1.api.plugin.PluginInfo;
import io.mr1.api.plugin.PluginKind;
import io.mr1.api.plugin.PluginRegistry;
import io.mr1.api.reward.RewardFunction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The run's rewards as installed at the start of each step. The rule for plugins that change
 * under a running run (docs/CONFIG.md, "Rewards that change during a run"):
 * <ul>
 * <li>a reward whose bundle is gone (its jar left {@code plugins/}) is left out of R from the
 * next step, said once on the console;</li>
 * <li>when it is installed again it is back in R from the next step, said once;</li>
 * <li>a new version (or a rebuilt jar) takes over at the next step, said once;</li>
 * <li>two bundles providing the same reward name leave it out of R until one is removed, said
 * once naming both (at the start of a run this is an error: {@code TrainingSession}).</li>
 * </ul>
 * Every step records which bundle and version scored it ({@link #bundles()}, metrics.jsonl's
 * {@code reward_bundles}). Weights stay the run's. A step never changes its rewards midway: a
 * bundle that goes while a step is scoring gives faults for that step only. Each step reads
 * the registry's list once, so every reward of the step is judged on the same snapshot.
 */
public final class LiveRewards implements RewardSource {

    /** The previous-step label of a reward that two bundles provided. */
    private static final String DUPLICATE = "(two bundles)";

    private final PluginRegistry registry;
    private final List<WeightedReward> configured;
    private final Consumer<String> notice;
    /** What scored the previous step, by reward name: the label, or null when left out. */
    private final Map<String, String> previousLabels = new HashMap<>();
    private final Map<String, RewardFunction> previousFunctions = new HashMap<>();
    /** The bundle that last scored each reward, kept while it is left out (to name a new version). */
    private final Map<String, String> lastSeen = new HashMap<>();
    private Map<String, String> current = Map.of();

    /**
     * @param registry the installed plugins
     * @param configured the run's rewards and weights as resolved when it started
     * @param notice told when a reward leaves R, returns or changes (the console)
     */
    public LiveRewards(PluginRegistry registry, List<WeightedReward> configured, Consumer<String> notice) {
        this.registry = registry;
        this.configured = List.copyOf(configured);
        this.notice = notice;
        List<PluginInfo> installed = registry.plugins();
        for (WeightedReward r : configured) {
            previousFunctions.put(r.name(), r.function());
            previousLabels.put(r.name(), label(providers(installed, r.name())).orElse("(unknown bundle)"));
            lastSeen.put(r.name(), previousLabels.get(r.name()));
        }
    }

    @Override
    public List<WeightedReward> at(long step) {
        List<WeightedReward> active = new ArrayList<>();
        Map<String, String> labels = new LinkedHashMap<>();
        List<PluginInfo> installed = registry.plugins(); // one snapshot for the whole step
        for (WeightedReward r : configured) {
            String name = r.name();
            Optional<DuplicatePluginException> duplicate = DuplicatePluginException.among(installed,
                    PluginKind.REWARD, name);
            List<PluginInfo> providers = providers(installed, name);
            Optional<RewardFunction> function = providers.size() == 1 ? registry.reward(name) : Optional.empty();
            String was = previousLabels.get(name);
            if (duplicate.isPresent()) {
                if (!DUPLICATE.equals(was)) {
                    notice.accept(duplicate.get().getMessage() + ": it is left out of R from step " + step
                            + " until only one is installed");
                }
                previousLabels.put(name, DUPLICATE);
                continue;
            }
            if (function.isEmpty()) {
                if (was != null) {
                    notice.accept("reward '" + name + "' is no longer installed (" + shown(was)
                            + " left plugins/): it is left out of R from step " + step
                            + " until it is installed again");
                }
                previousLabels.put(name, null);
                previousFunctions.remove(name);
                continue;
            }
            String now = describe(providers.get(0));
            RewardFunction fn = function.get();
            if (was == null || DUPLICATE.equals(was)) {
                String before = lastSeen.get(name);
                notice.accept("reward '" + name + "' is installed again (" + (before == null || before.equals(now)
                        ? now : "now " + now + " (was " + before + ")") + "): it is back in R from step " + step);
            } else if (!was.equals(now)) {
                notice.accept("reward '" + name + "' is now " + now + " (was " + was + "): it scores from step "
                        + step);
            } else if (previousFunctions.get(name) != fn) {
                notice.accept("reward '" + name + "' was reinstalled (" + now + "): the new instance scores from step "
                        + step);
            }
            previousLabels.put(name, now);
            lastSeen.put(name, now);
            previousFunctions.put(name, fn);
            active.add(new WeightedReward(fn, name, r.weight()));
            labels.put(name, now);
        }
        current = Collections.unmodifiableMap(labels);
        return active;
    }

    @Override
    public Map<String, String> bundles() {
        return current;
    }

    /** The rewards of one name in a snapshot of the registry, one per service. */
    private static List<PluginInfo> providers(List<PluginInfo> installed, String name) {
        return installed.stream().filter(p -> p.kind() == PluginKind.REWARD && p.name().equals(name)).toList();
    }

    private static Optional<String> label(List<PluginInfo> providers) {
        return providers.size() == 1 ? Optional.of(describe(providers.get(0))) : Optional.empty();
    }

    private static String describe(PluginInfo info) {
        return info.bundle() + "@" + info.version();
    }

    private static String shown(String label) {
        return DUPLICATE.equals(label) ? "its bundles" : label;
    }
}
