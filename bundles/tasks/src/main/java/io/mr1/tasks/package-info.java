/**
 * What mr1's task bundle adds to the task API: {@link io.mr1.tasks.DatasetTask}, a task
 * whose loader reports the items it skipped ({@link io.mr1.tasks.DatasetReport}) and whose
 * generator reports progress. Consumers such as an evaluation or data command check for it
 * with {@code instanceof} and fall back to plain {@link io.mr1.api.task.Task} otherwise.
 */
@Version("1.0.0")
@Export
package io.mr1.tasks;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
