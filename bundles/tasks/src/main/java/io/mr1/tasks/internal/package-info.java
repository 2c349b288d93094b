/**
 * What both tasks share and nothing outside this bundle sees: the R1-V JSONL loader, the
 * evaluation judge (strict, lenient, format, over the one answer judge {@code io.mr1.answers}), the deterministic dataset
 * writer, the base class that ties them into a {@link io.mr1.tasks.DatasetTask}, and the
 * {@code mr1 data} command.
 */
package io.mr1.tasks.internal;
