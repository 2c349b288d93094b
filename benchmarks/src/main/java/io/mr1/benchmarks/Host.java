package io.mr1.benchmarks;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the benchmark reads about the machine and its own process from /proc. */
public final class Host {

    private Host() {
    }

    /**
     * The value of a {@code key: value} line of a /proc file.
     *
     * @param file e.g. /proc/cpuinfo
     * @param key the key, e.g. "model name"
     * @return the value trimmed, or null when the file or key is missing
     */
    static String procField(String file, String key) {
        try {
            for (String line : Files.readAllLines(Path.of(file), StandardCharsets.UTF_8)) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
                    return line.substring(colon + 1).trim();
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** @return the CPU model name from /proc/cpuinfo, or "unknown" */
    public static String cpuModel() {
        String name = procField("/proc/cpuinfo", "model name");
        return name == null ? "unknown" : name;
    }

    /** @return the 1, 5 and 15 minute load averages of /proc/loadavg (how busy the machine was), or "unknown" */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** @return the total memory in MiB from /proc/meminfo, or -1 */
    public static long memTotalMiB() {
        String v = procField("/proc/meminfo", "MemTotal");
        return v == null ? -1 : Long.parseLong(v.replace("kB", "").trim()) / 1024;
    }

    /**
     * The process's resident set size, VmRSS of /proc/self/status.
     *
     * @return bytes, or -1 where /proc is not there
     */
    public static long rssBytes() {
        String v = procField("/proc/self/status", "VmRSS");
        return v == null ? -1 : Long.parseLong(v.replace("kB", "").trim()) * 1024;
    }

    /**
     * CPU time counters at one instant, to tell how much of a section's time other processes took.
     *
     * @param nanos System.nanoTime()
     * @param selfTicks this process's (and its helper processes') user + system time, in clock ticks
     * @param busyTicks all CPUs' non-idle time, in clock ticks
     */
    public record CpuSnapshot(long nanos, long selfTicks, long busyTicks) {

        /** Clock ticks per second of /proc (USER_HZ, 100 on Linux). */
        static final double HZ = 100.0;

        /** @return the counters now (zeros where /proc is not there) */
        public static CpuSnapshot now() {
            return new CpuSnapshot(System.nanoTime(), selfCpuTicks(), busyCpuTicks());
        }

        /**
         * What happened since this snapshot.
         *
         * @return wall seconds, this process's CPU seconds, other processes' CPU seconds and
         *     their share of the machine's capacity (0 = the machine was ours)
         */
        public Map<String, Object> elapsed() {
            CpuSnapshot start = this;
            CpuSnapshot end = now();
            double wall = (end.nanos - start.nanos) / 1e9;
            double self = (end.selfTicks - start.selfTicks) / HZ;
            double other = Math.max(0, (end.busyTicks - start.busyTicks) / HZ - self);
            int cpus = Runtime.getRuntime().availableProcessors();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("wallSeconds", Math.round(wall * 100) / 100.0);
            m.put("selfCpuSeconds", Math.round(self * 100) / 100.0);
            m.put("otherProcessesCpuSeconds", Math.round(other * 100) / 100.0);
            m.put("otherProcessesShare", wall > 0 ? Math.round(other / (wall * cpus) * 1000) / 1000.0 : 0.0);
            return m;
        }
    }

    /** Processes that work for the benchmark (the PyTorch peer): their CPU time is not "other processes". */
    static final java.util.Set<Long> HELPERS = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** utime + stime of /proc/self/stat and of the helper processes, in clock ticks. */
    static long selfCpuTicks() {
        long total = cpuTicks("self");
        for (long pid : HELPERS) {
            total += cpuTicks(Long.toString(pid));
        }
        return total;
    }

    private static long cpuTicks(String process) {
        try {
            String stat = Files.readString(Path.of("/proc", process, "stat"), StandardCharsets.UTF_8);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of the full line
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Non-idle ticks of all CPUs, from the first line of /proc/stat. */
    static long busyCpuTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.UTF_8).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) { // user nice system idle iowait irq softirq steal
                total += Long.parseLong(f[i]);
            }
            return total - Long.parseLong(f[4]) - Long.parseLong(f[5]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * Waits until other processes leave the CPUs alone (under 10 % of the machine for three
     * consecutive seconds), so that timings are not of a shared machine; gives up after a limit.
     *
     * @param maxSeconds the most to wait; 0 does not wait
     * @return seconds waited
     * @throws InterruptedException if interrupted
     */
    public static double waitForQuiet(double maxSeconds) throws InterruptedException {
        long start = System.nanoTime();
        int quiet = 0;
        while (quiet < 3 && (System.nanoTime() - start) / 1e9 < maxSeconds) {
            CpuSnapshot s = CpuSnapshot.now();
            Thread.sleep(1000);
            double share = (Double) s.elapsed().get("otherProcessesShare");
            quiet = share < 0.10 ? quiet + 1 : 0;
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** @return bytes held by direct ByteBuffers (the JVM's "direct" buffer pool) */
    public static long directBufferBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    /** @return the direct-memory limit (-XX:MaxDirectMemorySize, by default the maximum heap) */
    public static long maxDirectMemory() {
        for (String a : jvmArguments()) {
            if (a.startsWith("-XX:MaxDirectMemorySize=")) {
                String v = a.substring(a.indexOf('=') + 1).toLowerCase(java.util.Locale.ROOT);
                long unit = v.endsWith("g") ? 1L << 30 : v.endsWith("m") ? 1L << 20 : v.endsWith("k") ? 1L << 10 : 1;
                return Long.parseLong(unit == 1 ? v : v.substring(0, v.length() - 1)) * unit;
            }
        }
        return Runtime.getRuntime().maxMemory();
    }

    /**
     * Collects garbage until the direct buffers that were unreachable have been freed (their
     * cleaners run on another thread after the collection).
     *
     * @throws InterruptedException if interrupted
     */
    public static void collectGarbage() throws InterruptedException {
        long before = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            Thread.sleep(50);
            long now = directBufferBytes();
            if (now >= before) {
                return;
            }
            before = now;
        }
    }

    /**
     * Where a class was loaded from, with the jar's time and a digest prefix, to tell builds apart.
     *
     * @param c the class
     * @return path, last-modified time and SHA-256 prefix (for a jar)
     */
    public static String provenance(Class<?> c) {
        try {
            Path path = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isRegularFile(path)) {
                return path.toString();
            }
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(path));
            return path + " (" + Files.getLastModifiedTime(path) + ", sha256 "
                    + java.util.HexFormat.of().formatHex(digest).substring(0, 12) + ")";
        } catch (Exception e) {
            return "unknown: " + e;
        }
    }

    /** @return the JVM's command-line options */
    public static List<String> jvmArguments() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments();
    }

    /**
     * Whether the Java heap's share of the RSS is constant: fixed size (Xms = Xmx) and
     * pre-touched, so RSS minus the heap is the native and JVM-internal memory.
     *
     * @return true when the heap is fixed and pre-touched
     */
    public static boolean heapPinned() {
        Runtime rt = Runtime.getRuntime();
        return jvmArguments().contains("-XX:+AlwaysPreTouch") && rt.totalMemory() == rt.maxMemory();
    }
}
