/**
 * Reporters: where a run's metrics go besides metrics.jsonl (TRL's {@code report_to}), e.g.
 * TensorBoard event files. A reporter is a service named by the run config; the trainer opens
 * one writer per run and feeds it every step's scalars and sample text.
 */
@Version("1.0.0")
@Export
package io.mr1.api.report;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
