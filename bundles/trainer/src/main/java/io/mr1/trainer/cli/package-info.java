/**
 * The trainer's commands ({@code train}, {@code eval}, {@code demo}, {@code schedule},
 * {@code rewards}), each its own DS component registered as a
 * {@link io.mr1.api.cli.CliCommand} service. Not exported.
 */
package io.mr1.trainer.cli;
