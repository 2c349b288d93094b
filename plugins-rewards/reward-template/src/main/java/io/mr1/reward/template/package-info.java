/**
 * The reward plugin a lab copies to write its own: one Declarative Services component,
 * {@link io.mr1.reward.template.ConciseReward}, that scores each completion 1 when it is
 * at most {@code max_chars} characters long, with a configurable weight. Nothing is
 * exported; the bundle only registers a {@code RewardFunction} service.
 */
package io.mr1.reward.template;
