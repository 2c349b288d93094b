/**
 * Benchmarks of mr1's PyTorch backend, run by hand as a plain Java program
 * ({@link io.mr1.benchmarks.BackendBenchmark}): sampling and training throughput on a tiny
 * and a 30 M-parameter model, the overhead of mr1's engine-neutral tensor layer against the
 * same training step written directly on DJL NDArrays ({@link io.mr1.benchmarks.PlainDecoder}),
 * native-memory stability over a long training loop, comparisons with a PyTorch-eager peer in
 * Python ({@link io.mr1.benchmarks.TorchPeer}) and with the TensorFlow backend, and on request an
 * op-by-op profile of one training step on mr1 and on the peer ({@link io.mr1.benchmarks.OpProfile}).
 * Not an OSGi bundle.
 */
package io.mr1.benchmarks;
