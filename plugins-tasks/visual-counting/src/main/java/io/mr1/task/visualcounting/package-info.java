/**
 * The visual-counting task: a procedural generator of CLEVR-style scenes (cubes, spheres
 * and cylinders in eight colours, two sizes and two materials, drawn with Java2D with
 * bounded overlap so every count is unambiguous), counting questions whose answers are
 * computed from the scene, and the {@code visual-counting} DS component that loads R1-V
 * counting data (CLEVR, SuperCLEVR) and judges answers as integers.
 */
package io.mr1.task.visualcounting;
