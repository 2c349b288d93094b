/**
 * TensorBoard output for {@code report_to: [tensorboard]}: {@link io.mr1.tensorboard.EventFileWriter}
 * appends TensorFlow {@code Event} protos to an event file in TFRecord framing (each record's
 * length and data guarded by masked CRC-32C, as TensorFlow's record writer does), one record per
 * write and flushed, so a crash leaves a readable prefix; {@link io.mr1.tensorboard.EventFileReader}
 * reads such files back and checks every checksum; {@link io.mr1.tensorboard.TensorboardReporter}
 * is the DS component the trainer finds by name.
 */
package io.mr1.tensorboard;
