/**
 * The shared task library that task plugins build on: {@link io.mr1.tasks.support.R1vTask}
 * (an R1-V-format task: loader, deterministic generator, prompt template, evaluation judge),
 * the strict R1-V JSONL loader, the deterministic dataset writer, the evaluation judge over
 * the one answer judge {@code io.mr1.answers}, and drawing helpers. Exported from the
 * resident tasks bundle so the hot-deployable task plugins ({@code plugins-tasks/*}) import
 * it instead of copying it.
 */
@Version("1.1.0")
@Export
package io.mr1.tasks.support;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
