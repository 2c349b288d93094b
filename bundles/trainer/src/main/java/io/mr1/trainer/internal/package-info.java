/**
 * The trainer's internal parts: fault-tolerant reward aggregation, one GRPO-D step over
 * a policy backend, metrics, line plots, the {@code schedule} and {@code rewards}
 * commands, and the DS component that wires them with a private Guice injector. Not
 * exported.
 */
package io.mr1.trainer.internal;
