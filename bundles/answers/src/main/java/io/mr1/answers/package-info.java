/**
 * The one answer judge of mr1: reads the answer of a completion (the last closed
 * {@code <answer>} block, found by a linear scan), reads answers and ground truths as
 * values (numbers and the simple symbolic expressions counting and geometry answers take,
 * units ignored), compares them, and checks R1-V's think/answer format in linear time.
 * The accuracy reward, the format reward and every task's evaluation judge call it, so
 * the training reward and the reported accuracy can never disagree. Pure functions, no
 * OSGi services; a resident library bundle.
 */
@Version("1.0.0")
@Export
package io.mr1.answers;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
