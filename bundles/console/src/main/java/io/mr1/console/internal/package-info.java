/**
 * Bridges mr1's launcher commands into the Gogo shell: each command service gets a Gogo
 * function in scope {@code mr1}, registered and removed as the command comes and goes; and
 * runs {@code mr1 console}'s read-execute-print loop, which keeps nothing per command.
 */
package io.mr1.console.internal;
