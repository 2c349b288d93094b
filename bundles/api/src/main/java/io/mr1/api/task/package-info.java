/**
 * The task service: datasets (loaders and procedural generators), the prompt template, the default rewards, the per-item judgement that evaluation aggregates, and per-run options ({@link io.mr1.api.task.Task#withOptions}, since 1.2.0). Visual counting and geometry reasoning are tasks.
 */
@Version("1.2.0")
@Export
package io.mr1.api.task;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
