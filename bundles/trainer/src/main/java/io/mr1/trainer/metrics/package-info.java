/**
 * Training listeners that record a run as it goes: {@code metrics.jsonl} (one line per
 * step, cut back to the checkpoint on resume), {@code samples.jsonl} and the progress bar or
 * log lines. Not exported.
 */
package io.mr1.trainer.metrics;
