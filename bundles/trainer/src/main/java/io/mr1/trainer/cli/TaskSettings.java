package io.mr1.trainer.cli;

import io.mr1.api.plugin.PluginRegistry;
import io.mr1.api.task.Task;
import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.logging.Logger;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Changes a task's ConfigAdmin configuration for the length of one command (the demo's
 * easier counting data), exactly as a lab would with a {@code plugins/PID.cfg} file, and
 * puts the previous configuration back afterwards.
 */
public final class TaskSettings {

    private static final Logger LOG = Logger.getLogger(TaskSettings.class.getName());

    private final ConfigurationAdmin configAdmin;
    private final PluginRegistry registry;

    /**
     * Creates the helper.
     *
     * @param configAdmin ConfigAdmin, or null when the framework has none
     * @param registry installed plugins
     */
    public TaskSettings(ConfigurationAdmin configAdmin, PluginRegistry registry) {
        this.configAdmin = configAdmin;
        this.registry = registry;
    }

    /**
     * Applies settings to a task's PID and waits until the task service has restarted with them.
     *
     * @param task the task's name
     * @param pid its configuration PID
     * @param settings the keys to set (others keep their values)
     * @return restores the previous configuration when closed
     * @throws IOException if ConfigAdmin is missing or the task does not come back within 20 s
     */
    public AutoCloseable apply(String task, String pid, Map<String, Object> settings) throws IOException {
        if (configAdmin == null) {
            throw new IOException("ConfigAdmin is not running; cannot configure " + pid);
        }
        Task before = registry.task(task).orElse(null);
        Configuration config = configAdmin.getConfiguration(pid, "?");
        Dictionary<String, Object> previous = config.getProperties();
        Dictionary<String, Object> next = new Hashtable<>();
        if (previous != null) {
            for (var keys = previous.keys(); keys.hasMoreElements();) {
                String k = keys.nextElement();
                next.put(k, previous.get(k));
            }
        }
        settings.forEach(next::put);
        config.update(next);
        awaitRestart(task, before);
        return () -> {
            Task current = registry.task(task).orElse(null);
            if (previous == null) {
                config.delete();
            } else {
                config.update(previous);
            }
            try {
                awaitRestart(task, current);
            } catch (IOException e) {
                LOG.warning("task " + task + " did not restart after restoring " + pid + ": " + e.getMessage());
            }
        };
    }

    /** Configuration events are asynchronous: wait for a new task instance. */
    private void awaitRestart(String task, Task before) throws IOException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (true) {
            Task now = registry.task(task).orElse(null);
            if (now != null && now != before) {
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IOException("task " + task + " did not restart with its new configuration within 20 s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }
}
