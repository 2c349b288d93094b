package io.mr1.models;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * Releases a memory-mapped buffer at once. Java 17 unmaps a mapping only when its buffer is
 * garbage-collected, so a streamed checkpoint's pages would stay mapped (and count in the
 * process's resident memory) long after they were copied into the engine. The JDK's own
 * {@code sun.misc.Unsafe.invokeCleaner} unmaps immediately; it is looked up through the platform
 * class loader (module jdk.unsupported), so it works inside an OSGi bundle without any import.
 * Where it is missing the mapping is left to the garbage collector.
 */
final class Unmapper {

    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method clean = null;
        try {
            Class<?> type = ClassLoader.getPlatformClassLoader().loadClass("sun.misc.Unsafe");
            Field field = type.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            unsafe = field.get(null);
            clean = type.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            unsafe = null;
            clean = null;
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = clean;
    }

    private Unmapper() {
    }

    /** @return whether mappings are released at once (else by the garbage collector) */
    static boolean immediate() {
        return INVOKE_CLEANER != null;
    }

    /**
     * Unmaps a direct buffer made by {@code FileChannel.map}; it must not be used afterwards.
     *
     * @param mapped the mapping
     */
    static void unmap(ByteBuffer mapped) {
        if (INVOKE_CLEANER == null || !mapped.isDirect()) {
            return;
        }
        try {
            INVOKE_CLEANER.invoke(UNSAFE, mapped);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // a duplicate or slice cannot be cleaned: the garbage collector will unmap it
        }
    }
}
