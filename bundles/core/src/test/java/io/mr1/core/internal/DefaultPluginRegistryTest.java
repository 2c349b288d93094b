package io.mr1.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.plugin.DuplicatePluginException;
import io.mr1.api.plugin.PluginKind;
import io.mr1.api.reward.RewardFunction;
import io.mr1.api.reward.RewardScore;
import io.mr1.api.task.Sample;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;

/** The registry's one lookup for what a run names refuses a name two bundles provide. */
class DefaultPluginRegistryTest {

    private static RewardFunction reward(String name) {
        return new RewardFunction() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<RewardScore> score(Sample sample, List<String> completions) {
                return completions.stream().map(c -> RewardScore.of(0)).toList();
            }
        };
    }

    /** A service reference from a bundle of that name and version (ranked by its id). */
    @SuppressWarnings("unchecked")
    private static ServiceReference<RewardFunction> ref(String bundle, String version, long id) {
        Bundle b = (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getSymbolicName" -> bundle;
                    case "getVersion" -> Version.parseVersion(version);
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == a[0];
                    default -> null;
                });
        return (ServiceReference<RewardFunction>) Proxy.newProxyInstance(ServiceReference.class.getClassLoader(),
                new Class<?>[] {ServiceReference.class}, (p, m, a) -> switch (m.getName()) {
                    case "getBundle" -> b;
                    case "compareTo" -> Long.compare(-id, -(Long) ((ServiceReference<?>) a[0]).getProperty("id"));
                    case "getProperty" -> "id".equals(a[0]) ? id : null;
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == a[0];
                    default -> null;
                });
    }

    @Test
    void uniqueFindsOneRefusesTwoNamingBothAndIsEmptyForNone() {
        DefaultPluginRegistry registry = new DefaultPluginRegistry();
        RewardFunction format = reward("format");
        registry.addReward(format, ref("io.mr1.reward.format", "0.1.0", 1));
        assertSame(format, registry.unique(PluginKind.REWARD, "format", RewardFunction.class).orElseThrow());
        assertEquals(Optional.empty(), registry.unique(PluginKind.REWARD, "length", RewardFunction.class));
        assertEquals(Optional.empty(), registry.unique(PluginKind.TASK, "format", Object.class), "another kind");

        registry.addReward(reward("format"), ref("lab.rewards.strict", "1.0.0", 2));
        assertTrue(registry.reward("format").isPresent(), "the ranked lookup still picks one");
        DuplicatePluginException e = assertThrows(DuplicatePluginException.class,
                () -> registry.unique(PluginKind.REWARD, "format", RewardFunction.class));
        assertEquals("reward 'format' is provided by 2 bundles (io.mr1.reward.format@0.1.0, lab.rewards.strict@1.0.0)",
                e.getMessage());
        assertEquals(2, e.providers().size());
    }

    @Test
    void mr1PluginsWarnsInTheWordsOfTheError() {
        DefaultPluginRegistry registry = new DefaultPluginRegistry();
        registry.addReward(reward("format"), ref("io.mr1.reward.format", "0.1.0", 1));
        registry.addReward(reward("accuracy"), ref("io.mr1.reward.accuracy", "0.1.0", 2));
        assertEquals(List.of(), PluginsCommand.duplicates(registry.plugins()));
        registry.addReward(reward("format"), ref("lab.rewards.strict", "1.0.0", 3));
        assertEquals(List.of("reward 'format' is provided by 2 bundles (io.mr1.reward.format@0.1.0,"
                + " lab.rewards.strict@1.0.0); a run that uses it fails until only one is installed"),
                PluginsCommand.duplicates(registry.plugins()));
    }
}
