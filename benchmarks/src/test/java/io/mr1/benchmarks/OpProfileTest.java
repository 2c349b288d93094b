package io.mr1.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The profile's trace reading: self times of nested events, the top-level union, a real libtorch trace. */
class OpProfileTest {

    @Test
    void selfTimeExcludesNestedEventsAndTopLevelIsTheUnion() {
        // thread 1: linear [0, 100] holding addmm [10, 90] holding mm-like copy [20, 30]; mul [150, 170]
        // thread 2: backward [50, 120] (overlaps thread 1's linear: the union counts it once)
        String trace = "[" + event("aten::linear", 0, 100, 1) + "," + event("aten::addmm", 10, 80, 1) + ","
                + event("aten::copy_", 20, 10, 1) + "," + event("aten::mul", 150, 20, 1) + ","
                + event("MulBackward0", 50, 70, 2) + "]";
        OpProfile.Profile p = OpProfile.parse(trace, 0.3);
        Map<String, OpProfile.Op> ops = new java.util.HashMap<>();
        p.ops().forEach(o -> ops.put(o.name(), o));
        assertEquals(0.020, ops.get("aten::linear").selfMs(), 1e-9);
        assertEquals(0.100, ops.get("aten::linear").totalMs(), 1e-9);
        assertEquals(0.070, ops.get("aten::addmm").selfMs(), 1e-9);
        assertEquals(0.010, ops.get("aten::copy_").selfMs(), 1e-9);
        assertEquals(0.070, ops.get("MulBackward0").selfMs(), 1e-9);
        assertEquals(0.140, p.topLevelMs(), 1e-9); // [0, 120] and [150, 170]
        assertEquals(0.160, p.outsideMs(), 1e-9);
        assertEquals(0.190, p.selfSumMs(), 1e-9);
        assertEquals("aten::addmm", p.ops().get(0).name()); // ties broken by order of appearance
    }

    @Test
    void sideBySideSortsByAbsoluteDifference() {
        OpProfile.Profile a = new OpProfile.Profile(List.of(new OpProfile.Op("aten::mm", 2, 10, 10),
                new OpProfile.Op("aten::mul", 5, 1, 1)), 20, 11);
        OpProfile.Profile b = new OpProfile.Profile(List.of(new OpProfile.Op("aten::mm", 2, 9, 9),
                new OpProfile.Op("aten::bmm", 1, 4, 4)), 15, 13);
        List<Map<String, Object>> rows = OpProfile.sideBySide(a, b);
        assertEquals(List.of("aten::bmm", "aten::mm", "aten::mul"), rows.stream().map(r -> r.get("op")).toList());
        assertEquals(-4.0, (Double) rows.get(0).get("diffMs"), 1e-9);
    }

    @Test
    void libtorchsProfilerTraceIsReadBack(@TempDir Path tmp) throws Exception {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray x = m.randomNormal(new Shape(64, 64));
            OpProfile.Profile p = OpProfile.mr1(() -> x.matMul(x).mul(2f).close(), tmp.resolve("trace.json"));
            List<String> names = p.ops().stream().map(OpProfile.Op::name).toList();
            assertTrue(names.stream().anyMatch(n -> n.contains("mm")) && names.contains("aten::mul"), names.toString());
            assertTrue(p.topLevelMs() > 0 && p.topLevelMs() <= p.wallMs() + 1e-6, p.toString());
        }
    }

    private static String event(String name, double ts, double dur, int tid) {
        return "{\"name\": \"" + name + "\", \"ph\": \"X\", \"ts\": " + ts + ", \"dur\": " + dur + ", \"tid\": " + tid
                + ", \"pid\": \"CPU Functions\", \"args\": {}}";
    }
}
