/**
 * The task template: a tiny {@code longest-bar} task (which of two coloured bars is longer,
 * and by how many units) written to be copied. A plugin bundle: nothing exported.
 */
package io.mr1.task.tasktemplate;
