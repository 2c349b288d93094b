package io.mr1.core.internal;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code mr1 doctor --parity CHECKPOINT}: the same inputs through every installed backend and
 * the largest per-token log-prob difference of each pair, so a lab can validate a backend on
 * its own server. The inputs are completions of fixed text prompts sampled with a fixed seed on
 * the first backend (by name); every backend then scores those same tokens. A pair passes when
 * every token's |a - b| / max(|a|, 1) is within the tolerance: relative for unlikely tokens,
 * absolute for likely ones (whose log-probs are near 0).
 */
final class BackendParity {

    /** The cross-backend requirement of the project (float32 log-probs). */
    static final double DEFAULT_TOLERANCE = 1e-4;
    static final List<String> PROMPTS = List.of("How many objects are there in the image?",
            "Describe the scene in one sentence.");
    static final SamplingParams SAMPLING = new SamplingParams(2, 1.0, 1.0, 0, 16, 1234);

    private BackendParity() {
    }

    /** One pair's largest differences over every scored token. */
    record Pair(String a, String b, double maxAbs, double maxScaled, boolean passed) {}

    /**
     * Runs the check.
     *
     * @param backends installed backends by name, in order (the first samples the inputs)
     * @param checkpoint the checkpoint folder
     * @param device the device every backend loads on
     * @param tolerance the largest scaled difference that passes
     * @return the exit status: 0 when every pair passes, 1 otherwise
     */
    static int run(Map<String, PolicyBackend> backends, Path checkpoint, String device, double tolerance, boolean json,
                   PrintStream out, PrintStream err) {
        if (!Files.isRegularFile(checkpoint.resolve("config.json"))) {
            err.println("mr1 doctor --parity: not a checkpoint folder (no config.json): " + checkpoint);
            return 1;
        }
        if (backends.size() < 2) {
            err.println("mr1 doctor --parity: needs at least two installed backends, found " + backends.keySet());
            return 1;
        }
        List<String> names = new ArrayList<>(backends.keySet());
        List<Prompt> rows = new ArrayList<>();
        List<Completion> completions = new ArrayList<>();
        List<List<float[]>> scores = new ArrayList<>();
        for (String name : names) {
            try (Policy policy = backends.get(name).load(checkpoint, device)) {
                if (completions.isEmpty()) {
                    List<Prompt> prompts = new ArrayList<>();
                    for (int i = 0; i < PROMPTS.size(); i++) {
                        prompts.add(Prompt.text("parity-" + i, PROMPTS.get(i)));
                    }
                    List<List<Completion>> groups = policy.sample(prompts, SAMPLING);
                    for (int p = 0; p < prompts.size(); p++) {
                        for (Completion c : groups.get(p)) {
                            if (c.length() > 0) {
                                rows.add(prompts.get(p));
                                completions.add(c);
                            }
                        }
                    }
                    if (completions.isEmpty()) {
                        err.println("mr1 doctor --parity: " + name + " sampled only empty completions; nothing to compare");
                        return 1;
                    }
                }
                scores.add(policy.logProbs(rows, completions));
            } catch (Exception | LinkageError e) {
                err.println("mr1 doctor --parity: backend " + name + " could not score " + checkpoint + ": " + e);
                return 1;
            }
        }
        long tokens = completions.stream().mapToLong(Completion::length).sum();
        List<Pair> pairs = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            for (int j = i + 1; j < names.size(); j++) {
                pairs.add(compare(names.get(i), scores.get(i), names.get(j), scores.get(j), tolerance));
            }
        }
        boolean passed = pairs.stream().allMatch(Pair::passed);
        if (json) {
            JsonObject report = new JsonObject();
            report.addProperty("checkpoint", checkpoint.toAbsolutePath().normalize().toString());
            report.addProperty("device", device);
            report.addProperty("sampled_on", names.get(0));
            report.addProperty("completions", completions.size());
            report.addProperty("tokens", tokens);
            report.addProperty("tolerance", tolerance);
            JsonArray list = new JsonArray();
            for (Pair p : pairs) {
                JsonObject o = new JsonObject();
                o.addProperty("a", p.a());
                o.addProperty("b", p.b());
                o.addProperty("max_abs_diff", p.maxAbs());
                o.addProperty("max_scaled_diff", p.maxScaled());
                o.addProperty("passed", p.passed());
                list.add(o);
            }
            report.add("pairs", list);
            report.addProperty("passed", passed);
            out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(report));
        } else {
            out.printf(Locale.ROOT, "Parity    %s on %s: %d completions, %d tokens (sampled on %s, seed %d)%n",
                    checkpoint, device, completions.size(), tokens, names.get(0), SAMPLING.seed());
            for (Pair p : pairs) {
                out.printf(Locale.ROOT, "Pair      %s vs %s: largest log-prob difference %.3g (scaled %.3g), tolerance %.3g: %s%n",
                        p.a(), p.b(), p.maxAbs(), p.maxScaled(), tolerance, p.passed() ? "ok" : "FAILED");
            }
        }
        if (!passed) {
            err.println("mr1 doctor --parity: log-probs differ beyond the tolerance " + tolerance);
        }
        return passed ? 0 : 1;
    }

    static Pair compare(String a, List<float[]> x, String b, List<float[]> y, double tolerance) {
        double maxAbs = 0;
        double maxScaled = 0;
        for (int r = 0; r < x.size(); r++) {
            if (x.get(r).length != y.get(r).length) {
                return new Pair(a, b, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, false);
            }
            for (int t = 0; t < x.get(r).length; t++) {
                double d = Math.abs((double) x.get(r)[t] - y.get(r)[t]);
                if (Double.isNaN(d)) {
                    d = Double.POSITIVE_INFINITY;
                }
                maxAbs = Math.max(maxAbs, d);
                maxScaled = Math.max(maxScaled, d / Math.max(1.0, Math.abs(x.get(r)[t])));
            }
        }
        return new Pair(a, b, maxAbs, maxScaled, maxScaled <= tolerance);
    }
}
