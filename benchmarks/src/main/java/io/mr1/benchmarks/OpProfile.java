package io.mr1.benchmarks;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An op-by-op profile of one piece of work, aggregated by op name: libtorch's autograd profiler
 * as DJL exposes it ({@code JniUtils.startProfile} / {@code stopProfile}, which writes a Chrome
 * trace), read back here into each op name's count, self time and total time, and the part of the
 * work's wall time that no top-level op covers (for mr1: Java, JNI and the gaps between ops).
 */
final class OpProfile {

    /**
     * One op name's aggregate.
     *
     * @param name the op name as the profiler records it (aten::mm, AddmmBackward0, ...)
     * @param count how many times it ran
     * @param selfMs time in the op itself, its child ops excluded, milliseconds
     * @param totalMs time from the op's start to its end, milliseconds
     */
    record Op(String name, long count, double selfMs, double totalMs) {
    }

    /**
     * A profiled piece of work.
     *
     * @param ops aggregates by op name, largest self time first
     * @param wallMs the work's wall time while profiled
     * @param topLevelMs time covered by the top-level ops (union over threads)
     */
    record Profile(List<Op> ops, double wallMs, double topLevelMs) {
        double outsideMs() {
            return wallMs - topLevelMs;
        }

        double selfSumMs() {
            return ops.stream().mapToDouble(Op::selfMs).sum();
        }
    }

    /** The work to profile. */
    interface Work {
        void run() throws Exception;
    }

    private OpProfile() {
    }

    /**
     * Runs {@code work} under libtorch's autograd profiler (CPU, no shapes, no memory) and reads the trace back.
     *
     * @param work the work, run once
     * @param trace where the Chrome trace is written (kept for inspection)
     * @return the profile
     * @throws Exception from the work or when the trace cannot be read
     */
    static Profile mr1(Work work, Path trace) throws Exception {
        Files.createDirectories(trace.toAbsolutePath().getParent());
        ai.djl.pytorch.jni.JniUtils.startProfile(false, false, false);
        long t0 = System.nanoTime();
        double wallMs;
        try {
            work.run();
        } finally {
            wallMs = (System.nanoTime() - t0) / 1e6;
            ai.djl.pytorch.jni.JniUtils.stopProfile(trace.toAbsolutePath().toString());
        }
        return parse(Files.readString(trace, StandardCharsets.UTF_8), wallMs);
    }

    /**
     * Aggregates a Chrome trace (a JSON array of events, or an object with {@code traceEvents}): every
     * complete event ({@code dur} given, microseconds) by name. An event's self time is its duration less
     * that of the events nested directly in it on the same thread; the top-level events are those nested
     * in none, and their union over threads is the time spent inside the profiled library.
     *
     * @param json the trace
     * @param wallMs the profiled work's wall time
     * @return the profile
     */
    static Profile parse(String json, double wallMs) {
        JsonElement root = JsonParser.parseString(json);
        JsonArray events = root.isJsonArray() ? root.getAsJsonArray() : root.getAsJsonObject().getAsJsonArray("traceEvents");
        Map<String, List<double[]>> byThread = new HashMap<>(); // {ts, dur, nameIndex}
        List<String> names = new ArrayList<>();
        Map<String, Integer> nameIndex = new HashMap<>();
        for (JsonElement e : events) {
            JsonObject o = e.getAsJsonObject();
            if (!o.has("dur") || !o.has("name") || (o.has("ph") && !"X".equals(o.get("ph").getAsString()))) {
                continue;
            }
            String name = o.get("name").getAsString();
            int index = nameIndex.computeIfAbsent(name, n -> {
                names.add(n);
                return names.size() - 1;
            });
            String tid = o.has("tid") ? o.get("tid").getAsString() : "";
            byThread.computeIfAbsent(tid, t -> new ArrayList<>()).add(new double[] {o.get("ts").getAsDouble(),
                    o.get("dur").getAsDouble(), index});
        }
        long[] counts = new long[names.size()];
        double[] self = new double[names.size()];
        double[] total = new double[names.size()];
        List<double[]> topLevel = new ArrayList<>(); // {start, end}
        for (List<double[]> list : byThread.values()) {
            list.sort(Comparator.<double[]>comparingDouble(v -> v[0]).thenComparingDouble(v -> -v[1]));
            Deque<double[]> open = new ArrayDeque<>(); // {end, childSum, nameIndex}
            for (double[] v : list) {
                double start = v[0];
                double end = v[0] + v[1];
                while (!open.isEmpty() && end > open.peek()[0] + 1e-3) { // not nested in the innermost open event
                    close(open.pop(), self);
                }
                if (open.isEmpty()) {
                    topLevel.add(new double[] {start, end});
                } else {
                    open.peek()[1] += v[1];
                }
                int n = (int) v[2];
                counts[n]++;
                total[n] += v[1];
                open.push(new double[] {end, 0, n, v[1]});
            }
            while (!open.isEmpty()) {
                close(open.pop(), self);
            }
        }
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            ops.add(new Op(names.get(i), counts[i], self[i] / 1e3, total[i] / 1e3));
        }
        ops.sort(Comparator.comparingDouble(Op::selfMs).reversed());
        return new Profile(ops, wallMs, union(topLevel) / 1e3);
    }

    private static void close(double[] open, double[] self) {
        self[(int) open[2]] += Math.max(0, open[3] - open[1]);
    }

    /** The length of the union of intervals {start, end}. */
    static double union(List<double[]> intervals) {
        intervals.sort(Comparator.comparingDouble(v -> v[0]));
        double sum = 0;
        double from = 0;
        double to = 0;
        boolean open = false;
        for (double[] v : intervals) {
            if (!open || v[0] > to) {
                sum += open ? to - from : 0;
                from = v[0];
                to = v[1];
                open = true;
            } else {
                to = Math.max(to, v[1]);
            }
        }
        return sum + (open ? to - from : 0);
    }

    /** A profile from the PyTorch peer's {@code profile} answer ({@code ops}: name, count, self us, total us). */
    static Profile fromPeer(JsonObject answer) {
        List<Op> ops = new ArrayList<>();
        for (JsonElement e : answer.getAsJsonArray("ops")) {
            JsonArray a = e.getAsJsonArray();
            ops.add(new Op(a.get(0).getAsString(), a.get(1).getAsLong(), a.get(2).getAsDouble() / 1e3,
                    a.get(3).getAsDouble() / 1e3));
        }
        ops.sort(Comparator.comparingDouble(Op::selfMs).reversed());
        return new Profile(ops, answer.get("wallMs").getAsDouble(), answer.get("topLevelMs").getAsDouble());
    }

    /**
     * The side-by-side rows by op name, largest |self-time difference| first.
     *
     * @param mr1 mr1's profile
     * @param torch the peer's profile
     * @return rows: op, counts, self ms on each side, difference (mr1 - PyTorch)
     */
    static List<Map<String, Object>> sideBySide(Profile mr1, Profile torch) {
        Map<String, Op[]> joined = new LinkedHashMap<>();
        mr1.ops().forEach(o -> joined.computeIfAbsent(o.name(), n -> new Op[2])[0] = o);
        torch.ops().forEach(o -> joined.computeIfAbsent(o.name(), n -> new Op[2])[1] = o);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map.Entry<String, Op[]> e : joined.entrySet()) {
            Op a = e.getValue()[0];
            Op b = e.getValue()[1];
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("op", e.getKey());
            row.put("countMr1", a == null ? 0 : a.count());
            row.put("countPytorch", b == null ? 0 : b.count());
            row.put("selfMsMr1", round(a == null ? 0 : a.selfMs()));
            row.put("selfMsPytorch", round(b == null ? 0 : b.selfMs()));
            row.put("diffMs", round((a == null ? 0 : a.selfMs()) - (b == null ? 0 : b.selfMs())));
            rows.add(row);
        }
        rows.sort(Comparator.comparingDouble((Map<String, Object> r) -> -Math.abs((Double) r.get("diffMs"))));
        return rows;
    }

    static Map<String, Object> summary(Profile p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("wallMs", round(p.wallMs()));
        m.put("topLevelOpsMs", round(p.topLevelMs()));
        m.put("selfSumMs", round(p.selfSumMs()));
        m.put("outsideMs", round(p.outsideMs()));
        m.put("opCalls", p.ops().stream().mapToLong(Op::count).sum());
        return m;
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** Where the mr1 side's Chrome trace of a model is kept. */
    static Path traceFile(String model) {
        return Path.of("target", "profile-" + model + "-mr1-trace.json");
    }
}
