package io.mr1.backend.pytorchnatives.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Starts a real Felix 7.0.5 in this JVM with the bundles the distribution puts beside the natives
 * bundle (slf4j-api, slf4j-simple, SPI Fly, asm), installs the built bundle and checks, offline
 * and from an empty DJL cache: the bundle is active; a consumer bundle that imports
 * {@code ai.djl.*} runs PyTorch autograd through {@code DjlRuntime}; the engine is libtorch 2.7.1;
 * the Hugging Face tokenizer loads a local tokenizer.json.
 */
class PytorchNativesIT {

    private static final String NATIVES_BSN = "io.mr1.backend.pytorch-natives";

    private static Path work;
    private static Framework framework;
    private static Bundle natives;
    private static final Map<String, Long> timings = new HashMap<>();

    @BeforeAll
    static void startFramework() throws Exception {
        work = Paths.get(System.getProperty("mr1.it.work", "target/it-work")).toAbsolutePath();
        deleteTree(work);
        Files.createDirectories(work);
        // A fresh, writable DJL cache: libtorch must come out of the bundle, not the network.
        System.setProperty("DJL_CACHE_DIR", work.resolve("djl-cache").toString());
        System.setProperty("ai.djl.offline", "true");

        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, work.resolve("felix-cache").toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).iterator().next();
        framework = factory.newFramework(config);
        long t0 = System.nanoTime();
        framework.init();
        BundleContext context = framework.getBundleContext();

        // As the launcher does with its bundles/ folder: install every jar in file-name order,
        // mark each non-fragment started, then start the framework (one start level, so the
        // bundles start in install order: asm, SPI Fly, pytorch-natives, slf4j-api, slf4j-simple).
        Path built = Paths.get(System.getProperty("mr1.it.bundle"));
        assertTrue(Files.isRegularFile(built), "built bundle missing: " + built);
        List<Path> jars = new ArrayList<>();
        jars.add(built);
        Path itBundles = Paths.get(System.getProperty("mr1.it.bundles", "target/it-bundles"));
        try (Stream<Path> files = Files.list(itBundles)) {
            files.filter(p -> p.toString().endsWith(".jar")).forEach(jars::add);
        }
        jars.sort(Comparator.comparing(p -> p.getFileName().toString()));
        for (Path jar : jars) {
            Bundle bundle = context.installBundle(jar.toUri().toString());
            if (jar.equals(built)) {
                natives = bundle;
            }
            if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                bundle.start();
            }
        }
        framework.start();
        // Barrier: framework events are delivered in order on one thread, so once this refresh
        // event arrives, every listener has handled STARTED (the natives activator included).
        CountDownLatch refreshed = new CountDownLatch(1);
        framework.adapt(FrameworkWiring.class).refreshBundles(List.of(), e -> refreshed.countDown());
        assertTrue(refreshed.await(30, TimeUnit.SECONDS), "framework events not delivered");
        timings.put("frameworkAndInstallMillis", (System.nanoTime() - t0) / 1_000_000L);
    }

    @AfterAll
    static void stopFramework() throws Exception {
        if (framework != null) {
            framework.stop();
            framework.waitForStop(30_000);
        }
        System.out.println("[PytorchNativesIT] timings " + timings);
        deleteTree(work); // ~0.6 GB of extracted libtorch and bundle cache
    }

    @Test
    void bundleIsActiveWithItsHeaders() {
        assertEquals(NATIVES_BSN, natives.getSymbolicName());
        assertEquals(Bundle.ACTIVE, natives.getState(), "natives bundle state " + natives.getState());
        String classPath = natives.getHeaders().get(Constants.BUNDLE_CLASSPATH);
        for (String jar : List.of("djl-api-0.36.0.jar", "djl-pytorch-engine-0.36.0.jar",
                "djl-pytorch-jni-2.7.1-0.36.0.jar", "djl-pytorch-native-cpu-2.7.1-linux-x86_64.jar",
                "djl-tokenizers-0.36.0.jar")) {
            assertTrue(classPath.contains("lib/" + jar), jar + " not on " + classPath);
        }
        for (Bundle b : framework.getBundleContext().getBundles()) {
            assertEquals(Bundle.ACTIVE, b.getState(), b.getSymbolicName() + " not active");
        }
    }

    @Test
    void bundleClassLoaderSeesEngineAndTokenizer() throws Exception {
        ClassLoader loader = natives.adapt(BundleWiring.class).getClassLoader();
        Class<?> tokenizer = loader.loadClass("ai.djl.huggingface.tokenizers.HuggingFaceTokenizer");
        assertSame(loader, tokenizer.getClassLoader());
        assertNotNull(tokenizer.getMethod("newInstance", Path.class));
        // The activator has initialised DJL's engine registry under the bundle's loader.
        // (The context class loader is set anyway: this test JVM has its own DJL on the class path.)
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            Class<?> engine = loader.loadClass("ai.djl.engine.Engine");
            assertEquals(Boolean.TRUE, engine.getMethod("hasEngine", String.class).invoke(null, "PyTorch"));
            assertEquals("PyTorch", engine.getMethod("getDefaultEngineName").invoke(null));
        } finally {
            thread.setContextClassLoader(previous);
        }
        // Service files of the embedded jars are visible through the bundle's loader.
        assertTrue(loader.getResources("META-INF/services/ai.djl.engine.EngineProvider").hasMoreElements());
        assertNotNull(loader.getResource("native/lib/pytorch.properties"));
        // gson (private copy) falls back to sun.misc.Unsafe for classes without a no-arg
        // constructor; the optional import must be satisfied by the system bundle.
        assertNotNull(loader.loadClass("sun.misc.Unsafe"));
    }

    @Test
    void slf4jFindsItsProviderThroughSpiFly() throws Exception {
        ClassLoader loader = natives.adapt(BundleWiring.class).getClassLoader();
        Object factory = loader.loadClass("org.slf4j.LoggerFactory").getMethod("getILoggerFactory").invoke(null);
        assertEquals("org.slf4j.simple.SimpleLoggerFactory", factory.getClass().getName());
    }

    @Test
    void consumerBundleRunsAutogradAndTokenizerOffline() throws Exception {
        Path tokenizerJson = writeWordLevelTokenizer(work.resolve("tokenizer"));
        Bundle consumer = installConsumer();
        consumer.start();
        assertEquals(Bundle.ACTIVE, consumer.getState());
        // The consumer's ai.djl imports are wired to the natives bundle.
        BundleWiring wiring = consumer.adapt(BundleWiring.class);
        assertTrue(wiring.getRequiredWires("osgi.wiring.package").stream()
                .anyMatch(w -> w.getProvider().getBundle().equals(natives)));

        @SuppressWarnings("unchecked")
        Function<Path, Map<String, Object>> probe = (Function<Path, Map<String, Object>>)
                consumer.loadClass("io.mr1.backend.pytorchnatives.probe.NativesProbe")
                        .getConstructor().newInstance();
        long t0 = System.nanoTime();
        Map<String, Object> result = probe.apply(tokenizerJson);
        timings.put("probeMillis", (System.nanoTime() - t0) / 1_000_000L);
        timings.put("engineMillis", (Long) result.get("engineMillis"));
        System.out.println("[PytorchNativesIT] probe " + result);

        ClassLoader nativesLoader = natives.adapt(BundleWiring.class).getClassLoader();
        assertSame(nativesLoader, result.get("engineLoader"), "engine must come from the natives bundle");
        assertSame(nativesLoader, result.get("runtimeLoader"));
        assertEquals(Boolean.TRUE, result.get("sameEngine"));
        assertEquals("PyTorch", result.get("engineName"));
        assertEquals("2.7.1", result.get("engineVersion"));
        assertEquals("PyTorch", result.get("defaultEngine"));

        float[] x = {1f, -2f, 0.5f, 3f};
        float[] expected = new float[x.length];
        float loss = 0f;
        for (int i = 0; i < x.length; i++) {
            expected[i] = 2f * x[i];
            loss += x[i] * x[i];
        }
        assertEquals(loss, (Float) result.get("loss"), 1e-6f);
        assertArrayEquals(expected, (float[]) result.get("gradient"), 1e-6f);

        assertArrayEquals(new long[] {1L, 2L}, (long[]) result.get("ids"));
        assertEquals("hello world", result.get("tokens"));

        // Offline and extracted from the bundle: libtorch sits in the test's fresh cache.
        try (Stream<Path> files = Files.walk(work.resolve("djl-cache"))) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().equals("libtorch_cpu.so")));
        }
    }

    /** A word-level tokenizer: [UNK]=0, hello=1, world=2, whitespace pre-tokenizer. */
    private static Path writeWordLevelTokenizer(Path dir) throws IOException {
        Files.createDirectories(dir);
        String json = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,"
                + "\"added_tokens\":[{\"id\":0,\"content\":\"[UNK]\",\"single_word\":false,"
                + "\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}],"
                + "\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Whitespace\"},"
                + "\"post_processor\":null,\"decoder\":null,"
                + "\"model\":{\"type\":\"WordLevel\",\"vocab\":{\"[UNK]\":0,\"hello\":1,\"world\":2},"
                + "\"unk_token\":\"[UNK]\"}}";
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, json, StandardCharsets.UTF_8);
        return file;
    }

    /**
     * Builds a consumer bundle around the compiled probe class: it imports the DJL packages and
     * the helper package, like a backend adapter, and has no copy of DJL of its own.
     */
    private static Bundle installConsumer() throws Exception {
        Path classes = Paths.get(System.getProperty("mr1.it.testClasses", "target/test-classes"));
        Path probeDir = classes.resolve("io/mr1/backend/pytorchnatives/probe");
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
        main.putValue(Constants.BUNDLE_SYMBOLICNAME, "io.mr1.backend.pytorchnatives.probe");
        main.putValue(Constants.BUNDLE_VERSION, "1.0.0");
        main.putValue(Constants.IMPORT_PACKAGE, String.join(",",
                "ai.djl.engine;version=\"[0.36,1)\"",
                "ai.djl.ndarray;version=\"[0.36,1)\"",
                "ai.djl.training;version=\"[0.36,1)\"",
                "ai.djl.huggingface.tokenizers;version=\"[0.36,1)\"",
                "io.mr1.backend.pytorchnatives;version=\"[1.0,2)\""));
        Path jar = work.resolve("probe-consumer.jar");
        try (OutputStream os = Files.newOutputStream(jar);
                JarOutputStream out = new JarOutputStream(os, manifest);
                Stream<Path> files = Files.list(probeDir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).sorted().collect(Collectors.toList())) {
                out.putNextEntry(new JarEntry("io/mr1/backend/pytorchnatives/probe/" + f.getFileName()));
                try (InputStream in = Files.newInputStream(f)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
        return framework.getBundleContext().installBundle(jar.toUri().toString());
    }

    private static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        }
    }
}
