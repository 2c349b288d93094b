/**
 * The geometry-reasoning task: a procedural generator of GeoQA-style problems (angles
 * in a triangle, parallel lines cut by a transversal, angle bisectors, inscribed and
 * central angles, lengths by Pythagoras and the midline) with exact integer answers and
 * a diagram drawn to scale with Java2D, labels in a bundled font; and the
 * {@code geometry-reasoning} DS component that loads R1-V GeoQA data and judges answers
 * by value ("70°" = "70" = "70.0").
 */
package io.mr1.task.geometryreasoning;
