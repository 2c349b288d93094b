/**
 * The core's implementation: the plugin registry, which follows every plugin service
 * through greedy dynamic references so bundles can be installed, updated and removed
 * while consumers keep running, and the built-in launcher commands. Not exported.
 */
package io.mr1.core.internal;
