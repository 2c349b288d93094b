/**
 * What both tasks share and nothing outside this bundle sees: the R1-V JSONL loader, the
 * answer judge (strict, lenient, format) and its number readers, the deterministic dataset
 * writer, the base class that ties them into a {@link io.mr1.tasks.DatasetTask}, and the
 * {@code mr1 data} command.
 */
package io.mr1.tasks.internal;
