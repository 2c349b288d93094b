/**
 * The task service: datasets (loaders and procedural generators), the prompt template, the default rewards and the per-item judgement that evaluation aggregates. Visual counting and geometry reasoning are tasks.
 */
@Version("1.1.0")
@Export
package io.mr1.api.task;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
