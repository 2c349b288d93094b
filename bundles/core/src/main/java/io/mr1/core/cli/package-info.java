/**
 * Helpers for writing launcher commands: a strict option parser whose errors name the
 * offending flag and list the valid ones, so every mr1 command rejects bad usage the
 * same way. Exported so bundles outside the core (the trainer, tasks) can add commands.
 */
@Version("1.2.0")
@Export
package io.mr1.core.cli;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
