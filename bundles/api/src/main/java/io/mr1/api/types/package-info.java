/**
 * Value types exchanged between the trainer and its plugins: prompts with images, sampled completions with token ids and log-probs, reward breakdowns and per-step statistics. Immutable records with no engine type in them, so they cross bundle boundaries and engine swaps unchanged.
 */
@Version("1.1.0")
@Export
package io.mr1.api.types;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
