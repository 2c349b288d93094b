package io.mr1.api.plugin;

/**
 * One registered plugin service.
 *
 * @param kind what it is
 * @param name its name as used in configs
 * @param bundle symbolic name of the bundle that registered it
 * @param version that bundle's version
 */
public record PluginInfo(PluginKind kind, String name, String bundle, String version) {
}
