/**
 * Benchmarks of mr1's PyTorch backend, run by hand as a plain Java program
 * ({@link io.mr1.benchmarks.BackendBenchmark}): sampling and training throughput on a tiny
 * and a 30 M-parameter model, the overhead of mr1's engine-neutral tensor layer against the
 * same training step written directly on DJL NDArrays ({@link io.mr1.benchmarks.PlainDecoder}),
 * and native-memory stability over a long training loop. Not an OSGi bundle.
 */
package io.mr1.benchmarks;
