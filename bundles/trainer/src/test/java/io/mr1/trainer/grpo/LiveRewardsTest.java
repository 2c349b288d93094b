package io.mr1.trainer.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.kl.KlScheduleProvider;
import io.mr1.api.plugin.PluginInfo;
import io.mr1.api.plugin.PluginKind;
import io.mr1.api.plugin.PluginRegistry;
import io.mr1.api.reward.RewardFunction;
import io.mr1.api.reward.RewardScore;
import io.mr1.api.task.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The rule for rewards whose bundles change under a running run, step by step. */
class LiveRewardsTest {

    /** A registry whose rewards the test installs and removes. */
    private static final class Installed implements PluginRegistry {
        private final List<Object[]> rewards = new ArrayList<>(); // {function, bundle, version}
        private int listings;

        void install(RewardFunction f, String bundle, String version) {
            rewards.add(new Object[] {f, bundle, version});
        }

        void remove(String bundle) {
            rewards.removeIf(r -> r[1].equals(bundle));
        }

        @Override
        public List<PluginInfo> plugins() {
            listings++;
            return rewards.stream().map(r -> new PluginInfo(PluginKind.REWARD, ((RewardFunction) r[0]).name(),
                    (String) r[1], (String) r[2])).toList();
        }

        @Override
        public Optional<RewardFunction> reward(String name) {
            return rewards.stream().map(r -> (RewardFunction) r[0]).filter(f -> f.name().equals(name)).findFirst();
        }

        @Override
        public Optional<PolicyBackend> backend(String name) {
            return Optional.empty();
        }

        @Override
        public Optional<KlScheduleProvider> klSchedule(String name) {
            return Optional.empty();
        }

        @Override
        public Optional<Task> task(String name) {
            return Optional.empty();
        }

        @Override
        public List<String> names(PluginKind kind) {
            return plugins().stream().map(PluginInfo::name).distinct().sorted().toList();
        }
    }

    private static RewardFunction named(String name) {
        return PluginFaultsTest.reward(name, c -> c.stream().map(t -> RewardScore.of(1)).toList());
    }

    private static List<String> names(List<WeightedReward> rewards) {
        return rewards.stream().map(WeightedReward::name).toList();
    }

    @Test
    void eachStepReadsTheRegistrysListOnce() {
        Installed registry = new Installed();
        List<WeightedReward> configured = new ArrayList<>();
        for (String name : List.of("accuracy", "format", "length")) {
            RewardFunction f = named(name);
            registry.install(f, "io.mr1.reward." + name, "0.1.0");
            configured.add(WeightedReward.of(f));
        }
        LiveRewards live = new LiveRewards(registry, configured, m -> { });
        registry.listings = 0;
        assertEquals(List.of("accuracy", "format", "length"), names(live.at(0)));
        assertEquals(1, registry.listings, "one snapshot of the installed plugins per step, not one per reward");
        live.at(1);
        assertEquals(2, registry.listings);
    }

    @Test
    void aRemovedRewardLeavesRAndComesBackWithMessagesAndTheBundlesOfEachStep() {
        Installed registry = new Installed();
        RewardFunction format = named("format");
        registry.install(named("accuracy"), "io.mr1.reward.accuracy", "0.1.0");
        registry.install(format, "io.mr1.reward.format", "0.1.0");
        List<String> notices = new ArrayList<>();
        LiveRewards live = new LiveRewards(registry, List.of(new WeightedReward(registry.reward("accuracy").get(),
                "accuracy", 1.0), new WeightedReward(format, "format", 0.5)), notices::add);

        assertEquals(List.of("accuracy", "format"), names(live.at(0)));
        assertEquals(Map.of("accuracy", "io.mr1.reward.accuracy@0.1.0", "format", "io.mr1.reward.format@0.1.0"),
                live.bundles());
        assertTrue(notices.isEmpty(), notices.toString());

        registry.remove("io.mr1.reward.format");
        assertEquals(List.of("accuracy"), names(live.at(1)));
        assertEquals(Map.of("accuracy", "io.mr1.reward.accuracy@0.1.0"), live.bundles());
        assertEquals(List.of("accuracy"), names(live.at(2)));
        assertEquals(1, notices.size(), "said once: " + notices);
        assertTrue(notices.get(0).contains("'format' is no longer installed (io.mr1.reward.format@0.1.0")
                && notices.get(0).contains("left out of R from step 1"), notices.get(0));

        RewardFunction returned = named("format");
        registry.install(returned, "io.mr1.reward.format", "0.1.0");
        List<WeightedReward> back = live.at(3);
        assertEquals(List.of("accuracy", "format"), names(back));
        assertEquals(0.5, back.get(1).weight(), 0.0, "the run's weight, not the plugin's");
        assertTrue(back.get(1).function() == returned, "the new instance scores");
        assertTrue(notices.get(1).contains("'format' is installed again (io.mr1.reward.format@0.1.0)")
                && notices.get(1).contains("back in R from step 3"), notices.get(1));

        registry.remove("io.mr1.reward.format");
        registry.install(named("format"), "io.mr1.reward.format", "0.2.0");
        assertEquals(List.of("accuracy", "format"), names(live.at(4)));
        assertEquals("io.mr1.reward.format@0.2.0", live.bundles().get("format"));
        assertTrue(notices.get(2).contains("'format' is now io.mr1.reward.format@0.2.0 (was io.mr1.reward.format@0.1.0)")
                && notices.get(2).contains("from step 4"), notices.get(2));
        assertEquals(3, notices.size(), notices.toString());

        // Replaced through a gap (FileInstall's update unregisters, then registers the new version).
        registry.remove("io.mr1.reward.format");
        assertEquals(List.of("accuracy"), names(live.at(5)));
        registry.install(named("format"), "io.mr1.reward.format", "0.3.0");
        assertEquals(List.of("accuracy", "format"), names(live.at(6)));
        assertTrue(notices.get(4).contains("'format' is installed again (now io.mr1.reward.format@0.3.0 (was "
                + "io.mr1.reward.format@0.2.0))"), notices.get(4));
    }

    @Test
    void aSecondBundleWithTheSameRewardNameLeavesItOutNamingBoth() {
        Installed registry = new Installed();
        RewardFunction format = named("format");
        registry.install(format, "io.mr1.reward.format", "0.1.0");
        List<String> notices = new ArrayList<>();
        LiveRewards live = new LiveRewards(registry, List.of(new WeightedReward(format, "format", 1.0)),
                notices::add);
        assertEquals(List.of("format"), names(live.at(0)));

        registry.install(named("format"), "lab.rewards", "2.0.0");
        assertEquals(List.of(), names(live.at(1)));
        assertEquals(List.of(), names(live.at(2)));
        assertEquals(1, notices.size(), notices.toString());
        assertTrue(notices.get(0).contains("io.mr1.reward.format@0.1.0") && notices.get(0).contains("lab.rewards@2.0.0"),
                notices.get(0));

        registry.remove("lab.rewards");
        assertEquals(List.of("format"), names(live.at(3)));
        assertTrue(notices.get(1).contains("back in R from step 3"), notices.toString());
    }
}
