/**
 * The headless launcher: boots Apache Felix over a distribution folder (resident
 * bundles in bundles/, hot-deployed plugins and .cfg files in plugins/ watched by
 * FileInstall, settings in conf/), keeps framework noise off stdout, and dispatches
 * {@code mr1 COMMAND} to the command services registered inside the framework.
 */
package io.mr1.launcher;
