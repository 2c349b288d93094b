/**
 * What the tasks bundle provides and nothing outside it sees: the {@code mr1 data} command,
 * which generates and checks datasets with any installed task.
 */
package io.mr1.tasks.internal;
