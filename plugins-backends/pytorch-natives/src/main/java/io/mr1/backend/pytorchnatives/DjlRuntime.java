package io.mr1.backend.pytorchnatives;

import ai.djl.engine.Engine;
import ai.djl.pytorch.engine.PtEngineProvider;

import java.util.concurrent.Callable;

/**
 * Runs code against the DJL runtime embedded in this bundle.
 *
 * <p>DJL looks up engines with {@code ServiceLoader} and reads its native libraries
 * ({@code native/lib/pytorch.properties}, {@code jnilib/...}, {@code pytorch/cpu/...}) through
 * the thread context class loader (TCCL). In OSGi the TCCL of a caller is usually not this
 * bundle's loader, so DJL would see no engine and no libtorch. {@link #call(Callable)} sets the
 * TCCL to {@link #classLoader()} for the duration of an action; {@link #pytorch()} loads libtorch
 * once in that context and returns the same engine ever after.
 *
 * <p>Wrap in {@code call} every first use of something that DJL finds through the class path:
 * the engine (use {@link #pytorch()}), {@code HuggingFaceTokenizer.newInstance} (its first call
 * loads the tokenizers native library), {@code Criteria}/model-zoo look-ups and translator
 * factories. Plain tensor work after the engine is up needs no TCCL.
 *
 * <p>Offline: unless {@code DJL_OFFLINE} (environment) or {@code ai.djl.offline} (system
 * property) is already set, this class sets {@code ai.djl.offline=true} before DJL is first
 * touched, so DJL neither downloads libraries nor calls home. The cache folder where DJL
 * extracts libtorch and the JNI libraries is DJL's own setting: {@code DJL_CACHE_DIR} /
 * {@code ENGINE_CACHE_DIR} (environment or system property), default {@code ~/.djl.ai}.
 *
 * <p>This class has no OSGi dependency: outside a framework (plain class path) its loader is the
 * application loader and it works the same way.
 */
public final class DjlRuntime {

    /** DJL's name of the PyTorch engine, as in {@code Engine.getEngine("PyTorch")}. */
    public static final String PYTORCH = "PyTorch";

    /** System property that switches DJL's offline mode; defaulted to {@code true} here. */
    public static final String OFFLINE_PROPERTY = "ai.djl.offline";

    private static final Object LOCK = new Object();
    private static volatile Engine pytorch;

    private DjlRuntime() {}

    /**
     * Returns the class loader that sees DJL's classes, service files and native resources: the
     * loader of this bundle (which has the engine jars on its Bundle-ClassPath).
     *
     * @return this bundle's class loader
     */
    public static ClassLoader classLoader() {
        return DjlRuntime.class.getClassLoader();
    }

    /**
     * Runs an action with the thread context class loader set to {@link #classLoader()} and
     * restores the caller's context class loader afterwards, also when the action throws. DJL's
     * engine registry is initialised (offline by default) before the action runs.
     *
     * @param action the code that touches DJL
     * @param <T> the action's result type
     * @return what the action returns
     * @throws Exception whatever the action throws
     */
    public static <T> T call(Callable<T> action) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(classLoader());
        try {
            registerEngines();
            return action.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * Runs an action that throws no checked exception with the thread context class loader set
     * to {@link #classLoader()}, like {@link #call(Callable)}.
     *
     * @param action the code that touches DJL
     */
    public static void run(Runnable action) {
        try {
            call(() -> {
                action.run();
                return null;
            });
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e); // unreachable: a Runnable throws no checked exception
        }
    }

    /**
     * Returns the PyTorch engine, loading libtorch on the first call (extracted from this bundle
     * into DJL's cache folder, or taken from {@code PYTORCH_LIBRARY_PATH}) with the context class
     * loader set to this bundle's loader. Later calls return the same engine without any work.
     *
     * @return the initialised PyTorch engine
     * @throws ai.djl.engine.EngineException if libtorch cannot be loaded
     */
    public static Engine pytorch() {
        Engine engine = pytorch;
        if (engine == null) {
            synchronized (LOCK) {
                engine = pytorch;
                if (engine == null) {
                    try {
                        engine = call(() -> Engine.getEngine(PYTORCH));
                    } catch (RuntimeException e) {
                        throw e;
                    } catch (Exception e) {
                        throw new IllegalStateException("Cannot start the PyTorch engine", e);
                    }
                    pytorch = engine;
                }
            }
        }
        return engine;
    }

    /**
     * Makes DJL's engine registry complete: sets the offline default, then initialises
     * {@code Engine} (its static initialiser runs {@code ServiceLoader} over the thread context
     * class loader) with this bundle's loader as context, and registers the PyTorch engine
     * provider explicitly should the registry have been initialised elsewhere first. Cheap and
     * idempotent; loads no native library. The bundle activator calls it once the framework has
     * started, so whoever touches DJL first finds a correct registry.
     */
    public static void registerEngines() {
        defaultOffline();
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(classLoader());
        try {
            if (!Engine.hasEngine(PYTORCH)) {
                Engine.registerEngine(new PtEngineProvider());
            }
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static void defaultOffline() {
        if (System.getenv("DJL_OFFLINE") == null && System.getProperty(OFFLINE_PROPERTY) == null) {
            System.setProperty(OFFLINE_PROPERTY, "true");
        }
    }
}
