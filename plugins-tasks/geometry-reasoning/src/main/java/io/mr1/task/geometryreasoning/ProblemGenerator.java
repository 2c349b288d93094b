package io.mr1.task.geometryreasoning;

import io.mr1.tasks.support.WeightedChoice;
import java.awt.geom.Point2D;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws random GeoQA-style problems from five families (how often each: the {@code families}
 * option), each with an exact integer
 * answer and a figure built to the problem's values:
 * <ol>
 * <li>{@code triangle-angles}: two angles of a triangle given, the third or an exterior
 *     angle asked;</li>
 * <li>{@code parallel-lines}: AB parallel CD cut by EF, one angle given, a corresponding,
 *     alternate or co-interior angle asked (numbered angles 1 and 2, or named ones);</li>
 * <li>{@code angle-bisector}: two angles of a triangle given, BD bisects the third, an
 *     angle at B or D asked;</li>
 * <li>{@code circle-angles}: central angle to inscribed angle and back, and the angle in
 *     a semicircle;</li>
 * <li>{@code lengths}: Pythagoras with integer triples (either side), and the midline of
 *     a triangle (half the base, or twice the midline).</li>
 * </ol>
 */
final class ProblemGenerator {

    /** The family names, in canonical order (the order of the draw's thresholds). */
    static final List<String> FAMILIES =
            List.of("triangle-angles", "parallel-lines", "angle-bisector", "circle-angles", "lengths");

    private static final String SHOWN = "As shown in the figure, ";
    private static final int[][] TRIPLES = {{3, 4, 5}, {5, 12, 13}, {8, 15, 17}, {7, 24, 25}, {20, 21, 29}};

    private final WeightedChoice families;

    /**
     * @param families how often each family is drawn; with every family at the same weight a
     *     draw is one {@code nextInt(5)}, as before the mix was an option
     */
    ProblemGenerator(WeightedChoice families) {
        this.families = families;
    }

    /**
     * One random problem.
     *
     * @param random the item's generator
     * @return the problem
     */
    GeoProblem problem(SplittableRandom random) {
        return switch (families.draw(random)) {
            case "triangle-angles" -> triangleAngles(random);
            case "parallel-lines" -> parallelLines(random);
            case "angle-bisector" -> angleBisector(random);
            case "circle-angles" -> circleAngles(random);
            case "lengths" -> lengths(random);
            default -> throw new IllegalStateException("unknown family");
        };
    }

    private static String deg(int v) {
        return v + ".0";
    }

    private static int between(SplittableRandom random, int low, int high) {
        return low + random.nextInt(high - low + 1);
    }

    /** Triangle with B at the origin and C at (1, 0); A where the angles at B and C put it. */
    private static Figure triangle(int angleB, int angleC) {
        double a = Math.toRadians(180 - angleB - angleC);
        double side = Math.sin(Math.toRadians(angleC)) / Math.sin(a);
        double b = Math.toRadians(angleB);
        return new Figure().point("B", 0, 0).point("C", 1, 0).point("A", side * Math.cos(b), side * Math.sin(b));
    }

    private GeoProblem triangleAngles(SplittableRandom random) {
        int a = between(random, 30, 110);
        int b = between(random, 25, 160 - a);
        int c = 180 - a - b;
        Figure f = triangle(b, c);
        List<Measure> given = List.of(Measure.angle("BAC", a), Measure.angle("ABC", b));
        String stated = "angle A = " + deg(a) + ", angle B = " + deg(b);
        if (random.nextInt(5) < 3) {
            f.path("A", "B", "C", "A");
            return new GeoProblem(FAMILIES.get(0), "third-angle",
                    SHOWN + "in triangle ABC, " + stated + ", then the size of angle C is ()",
                    given, Measure.angle("ACB", c), f.transformed(random.nextBoolean(), 0));
        }
        f.point("D", 1.55, 0).path("A", "B", "C", "D").path("A", "C");
        return new GeoProblem(FAMILIES.get(0), "exterior-angle",
                SHOWN + "in triangle ABC, point D is on the extension of BC, " + stated
                        + ", then the size of angle ACD is ()",
                given, Measure.angle("ACD", a + b), f.transformed(random.nextBoolean(), 0));
    }

    /**
     * AB (y = 1) parallel CD (y = 0); the transversal meets AB at E and CD at F with
     * angle BEF = theta; _G and _H extend it beyond E and F. Each angle at E or F is
     * theta or 180 - theta.
     */
    private GeoProblem parallelLines(SplittableRandom random) {
        int theta = random.nextBoolean() ? between(random, 35, 78) : between(random, 102, 145);
        double cot = 1 / Math.tan(Math.toRadians(theta));
        Figure f = new Figure().point("A", -1.6, 1).point("B", 1.6, 1).point("C", -1.6, 0).point("D", 1.6, 0)
                .point("E", -cot / 2, 1).point("F", cot / 2, 0);
        Point2D.Double e = f.p("E");
        Point2D.Double fp = f.p("F");
        double len = e.distance(fp);
        double ux = (e.x - fp.x) / len;
        double uy = (e.y - fp.y) / len;
        f.point("_G", e.x + 0.45 * ux, e.y + 0.45 * uy).point("_H", fp.x - 0.45 * ux, fp.y - 0.45 * uy);
        f.path("A", "E", "B").path("C", "F", "D").path("_G", "E", "F", "_H");
        // {angle at E, angle at F, relation}; the named variant avoids the unlabelled helper points.
        String[][] numbered = {
            {"_GEB", "EFD", "corresponding"}, {"BEF", "DF_H", "corresponding"}, {"AE_G", "EFC", "corresponding"},
            {"AEF", "CF_H", "corresponding"}, {"BEF", "EFC", "alternate"}, {"AEF", "EFD", "alternate"},
            {"BEF", "EFD", "co-interior"}, {"AEF", "EFC", "co-interior"}};
        boolean named = random.nextBoolean();
        String[] pair = named ? numbered[4 + random.nextInt(4)] : numbered[random.nextInt(numbered.length)];
        boolean givenAtE = random.nextBoolean();
        String givenName = givenAtE ? pair[0] : pair[1];
        String askedName = givenAtE ? pair[1] : pair[0];
        int givenValue = parallelAngle(givenName, theta);
        int askedValue = parallelAngle(askedName, theta);
        Measure given = Measure.angle(givenName, givenValue, named ? "" : "1");
        Measure asked = Measure.angle(askedName, askedValue, named ? "" : "2");
        String intro = SHOWN + "AB parallel CD, the straight line EF intersects AB at point E and intersects CD at "
                + "point F, ";
        String question;
        if (named) {
            question = intro + "angle " + givenName + " = " + deg(givenValue) + ", then the size of angle "
                    + askedName + " is ()";
        } else {
            for (Measure m : List.of(given, asked)) {
                List<String> n = m.points();
                f.mark(new Figure.Mark(n.get(0), n.get(1), n.get(2), m.label(), false));
            }
            question = intro + "angle 1 = " + deg(givenValue) + ", then the size of angle 2 is ()";
        }
        // Labels of E and F go into a sector above AB / below CD that carries no numbered arc.
        boolean upperLeftMarked = !named && (givenName.equals("AE_G") || askedName.equals("AE_G"));
        boolean upperRightMarked = !named && (givenName.equals("_GEB") || askedName.equals("_GEB"));
        boolean lowerLeftMarked = !named && (givenName.equals("CF_H") || askedName.equals("CF_H"));
        boolean lowerRightMarked = !named && (givenName.equals("DF_H") || askedName.equals("DF_H"));
        // With an acute theta the upper-right sector at E (180 - theta wide) and the lower-left one at F are wider.
        boolean acute = theta < 90;
        f.labelAt("E", upperLeftMarked || (!upperRightMarked && acute) ? 90 - theta / 2.0 : 180 - theta / 2.0);
        f.labelAt("F", lowerRightMarked || (!lowerLeftMarked && acute) ? 270 - theta / 2.0 : 360 - theta / 2.0);
        f.labelAt("A", 180).labelAt("C", 180).labelAt("B", 0).labelAt("D", 0);
        String variant = (named ? "named-" : "numbered-") + pair[2];
        return new GeoProblem(FAMILIES.get(1), variant, question, List.of(given), asked,
                f.transformed(random.nextBoolean(), 0));
    }

    /** BEF, AE_G, EFC and DF_H equal theta; the other four angles at E and F are its supplement. */
    private static int parallelAngle(String name, int theta) {
        return switch (name) {
            case "BEF", "AE_G", "EFC", "DF_H" -> theta;
            default -> 180 - theta;
        };
    }

    private GeoProblem angleBisector(SplittableRandom random) {
        int half = between(random, 15, 45);
        int a = between(random, 25, 155 - 2 * half);
        int c = 180 - a - 2 * half;
        Figure f = triangle(2 * half, c);
        Point2D.Double pa = f.p("A");
        Point2D.Double pb = f.p("B");
        Point2D.Double pc = f.p("C");
        // Angle-bisector theorem: AD / DC = AB / BC.
        double t = pa.distance(pb) / (pa.distance(pb) + pb.distance(pc));
        f.point("D", pa.x + t * (pc.x - pa.x), pa.y + t * (pc.y - pa.y));
        f.path("A", "B", "C", "D", "A").path("B", "D");
        int variant = random.nextInt(3);
        Measure asked = switch (variant) {
            case 0 -> Measure.angle("ABD", half);
            case 1 -> Measure.angle("ADB", 180 - a - half);
            default -> Measure.angle("BDC", a + half);
        };
        String askedName = String.join("", asked.points());
        String question = SHOWN + "in triangle ABC, angle A = " + deg(a) + ", angle C = " + deg(c)
                + ", BD bisects angle ABC and intersects AC at point D, then the size of angle " + askedName + " is ()";
        return new GeoProblem(FAMILIES.get(2), "asked-" + askedName, question,
                List.of(Measure.angle("BAC", a), Measure.angle("ACB", c)), asked,
                f.transformed(random.nextBoolean(), 0));
    }

    private GeoProblem circleAngles(SplittableRandom random) {
        Figure f = new Figure().point("O", 0, 0).circle("O", 1);
        int variant = random.nextInt(3);
        GeoProblem p;
        if (variant < 2) {
            // A and B span the central angle 2k through the bottom; C is on the major arc.
            int k = between(random, 20, 80);
            f.point("A", polarX(-90 - k), polarY(-90 - k)).point("B", polarX(-90 + k), polarY(-90 + k));
            double lo = -90 + k + 20;
            double hi = 270 - k - 20;
            double phi = lo + random.nextDouble() * (hi - lo);
            f.point("C", polarX(phi), polarY(phi)).path("A", "O", "B").path("A", "C", "B");
            Measure central = Measure.angle("AOB", 2 * k);
            Measure inscribed = Measure.angle("ACB", k);
            String intro = SHOWN + "points A, B and C are on circle O, ";
            p = variant == 0
                    ? new GeoProblem(FAMILIES.get(3), "central-to-inscribed",
                            intro + "angle AOB = " + deg(2 * k) + ", then the size of angle ACB is ()",
                            List.of(central), inscribed, f)
                    : new GeoProblem(FAMILIES.get(3), "inscribed-to-central",
                            intro + "angle ACB = " + deg(k) + ", then the size of angle AOB is ()",
                            List.of(inscribed), central, f);
        } else {
            // AB a diameter; angle ABC = x puts C at polar angle 180 - 2x (the central angle AOC is 2x).
            int x = between(random, 20, 70);
            f.point("A", -1, 0).point("B", 1, 0).point("C", polarX(180 - 2 * x), polarY(180 - 2 * x))
                    .path("A", "O", "B").path("A", "C", "B");
            p = new GeoProblem(FAMILIES.get(3), "diameter",
                    SHOWN + "AB is the diameter of circle O, point C is on circle O, angle ABC = " + deg(x)
                            + ", then the size of angle BAC is ()",
                    List.of(Measure.angle("ABC", x)), Measure.angle("BAC", 90 - x), f);
        }
        Figure turned = p.figure().transformed(random.nextBoolean(), between(random, -30, 30));
        return new GeoProblem(p.family(), p.variant(), p.question(), p.given(), p.asked(), turned);
    }

    private static double polarX(double degrees) {
        return Math.cos(Math.toRadians(degrees));
    }

    private static double polarY(double degrees) {
        return Math.sin(Math.toRadians(degrees));
    }

    private GeoProblem lengths(SplittableRandom random) {
        if (random.nextBoolean()) {
            int[] triple = TRIPLES[random.nextInt(TRIPLES.length)];
            int scale = between(random, 1, Math.max(1, 50 / triple[2]));
            boolean swap = random.nextBoolean();
            int ac = scale * (swap ? triple[1] : triple[0]);
            int bc = scale * (swap ? triple[0] : triple[1]);
            int ab = scale * triple[2];
            Figure f = new Figure().point("C", 0, 0).point("B", bc, 0).point("A", 0, ac).path("A", "B", "C", "A")
                    .mark(new Figure.Mark("A", "C", "B", "", true));
            Measure right = Measure.angle("ACB", 90);
            String intro = SHOWN + "in triangle ABC, angle C = 90.0, ";
            GeoProblem p = random.nextBoolean()
                    ? new GeoProblem(FAMILIES.get(4), "pythagoras-hypotenuse",
                            intro + "AC = " + deg(ac) + ", BC = " + deg(bc) + ", then the length of AB is ()",
                            List.of(right, Measure.length("AC", ac), Measure.length("BC", bc)),
                            Measure.length("AB", ab), f)
                    : new GeoProblem(FAMILIES.get(4), "pythagoras-leg",
                            intro + "AB = " + deg(ab) + ", AC = " + deg(ac) + ", then the length of BC is ()",
                            List.of(right, Measure.length("AB", ab), Measure.length("AC", ac)),
                            Measure.length("BC", bc), f);
            return new GeoProblem(p.family(), p.variant(), p.question(), p.given(), p.asked(),
                    p.figure().transformed(random.nextBoolean(), 0));
        }
        int half = between(random, 2, 20);
        double base = 2.0 * half;
        double ax = base * (0.15 + 0.7 * random.nextDouble());
        double ay = base * (0.55 + 0.5 * random.nextDouble());
        Figure f = new Figure().point("B", 0, 0).point("C", base, 0).point("A", ax, ay)
                .point("D", ax / 2, ay / 2).point("E", (ax + base) / 2, ay / 2)
                .path("A", "D", "B", "C", "E", "A").path("D", "E");
        String intro = SHOWN + "in triangle ABC, D and E are the midpoints of AB and AC respectively, ";
        GeoProblem p = random.nextBoolean()
                ? new GeoProblem(FAMILIES.get(4), "midline-half",
                        intro + "BC = " + deg(2 * half) + ", then the length of DE is ()",
                        List.of(Measure.length("BC", 2 * half)), Measure.length("DE", half), f)
                : new GeoProblem(FAMILIES.get(4), "midline-double",
                        intro + "DE = " + deg(half) + ", then the length of BC is ()",
                        List.of(Measure.length("DE", half)), Measure.length("BC", 2 * half), f);
        return new GeoProblem(p.family(), p.variant(), p.question(), p.given(), p.asked(),
                p.figure().transformed(random.nextBoolean(), 0));
    }
}
