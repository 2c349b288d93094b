/**
 * The KL-schedule service: a provider creates per-run schedules that give the KL weight beta at step s of t (GRPO-D's dynamic weight, constant, linear, adaptive ...), with state that is saved in checkpoints and restored on resume.
 */
@Version("2.0.0")
@Export
package io.mr1.api.kl;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
