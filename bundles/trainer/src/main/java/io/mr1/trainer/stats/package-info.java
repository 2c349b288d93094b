/**
 * Paired before/after statistics for evaluations on the same items: the exact McNemar test for
 * per-item correctness (greedy accuracy), a sign-flip permutation test for per-item pass rates
 * (sampled pass@1 with k samples per item), Wilson intervals and a seeded paired bootstrap over
 * items. Plain Java, no dependencies; not exported.
 */
package io.mr1.trainer.stats;
