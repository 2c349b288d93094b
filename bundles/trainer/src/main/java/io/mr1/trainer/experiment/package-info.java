/**
 * The paper's comparisons as one command ({@code mr1 experiment FILE}): an experiment file
 * names a base model (or a tiny one to create and warm-start), tasks with train and test data,
 * arms (base, SFT, constant-KL GRPO, GRPO-D, or any run-config override, optionally swept over
 * one parameter), seeds and a budget; every arm is trained for every seed and train task through
 * the ordinary {@link io.mr1.trainer.run.TrainingSession}, evaluated on every task's test split,
 * and summarised in results.jsonl, a Table-1-shaped table.md with intervals and paired tests,
 * and report.html. Finished runs are kept and reused, so an interrupted experiment resumes.
 * Not exported.
 */
package io.mr1.trainer.experiment;
