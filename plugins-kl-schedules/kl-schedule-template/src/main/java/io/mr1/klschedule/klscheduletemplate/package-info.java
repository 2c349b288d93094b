/**
 * The KL-schedule template: a step schedule (beta_start, then beta_end from a fraction of
 * the run on) as one DS component, written to be copied. A plugin bundle: nothing exported.
 */
package io.mr1.klschedule.klscheduletemplate;
