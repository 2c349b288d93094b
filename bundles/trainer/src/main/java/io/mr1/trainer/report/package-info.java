/**
 * The run report: {@code report.html} with PNG line plots of the metrics and the table of
 * evaluations, self-contained so it opens from the run folder with no network. Not exported.
 */
package io.mr1.trainer.report;
