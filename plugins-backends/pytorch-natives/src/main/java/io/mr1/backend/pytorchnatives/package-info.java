/**
 * Entry point to the DJL + libtorch runtime that this resident library bundle embeds. DJL finds
 * its engines through {@link java.util.ServiceLoader} and reads native libraries and properties
 * through the thread context class loader, and a JNI library binds to one class loader for the
 * life of the JVM; {@link io.mr1.backend.pytorchnatives.DjlRuntime} runs code with the context
 * class loader set to this bundle's loader, defaults DJL to offline mode and hands out the one
 * initialised PyTorch engine, so backend adapter bundles (which import {@code ai.djl.*} from this
 * bundle and may be hot-swapped) never repeat that set-up.
 */
@Version("1.1.0")
@Export
package io.mr1.backend.pytorchnatives;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
