package io.mr1.launcher;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.osgi.framework.Constants;
import org.osgi.framework.Version;

/**
 * Checks a jar in {@code plugins/} before the launcher waits for it: FileInstall silently
 * skips a file that is not a zip, is cut short, or is a plain jar, so waiting for such a file
 * to become a bundle could only end in a timeout. Reading the central directory and the
 * manifest is cheap (no entry is decompressed beyond the manifest).
 */
final class PluginJars {

    private PluginJars() {
    }

    /**
     * Why a file cannot be a plugin bundle, or empty when it looks like one.
     *
     * @param jar a file in the plugins folder
     * @return the reason, worded for a user
     */
    static Optional<String> problem(Path jar) {
        Manifest manifest;
        try (JarFile file = new JarFile(jar.toFile())) {
            manifest = file.getManifest();
        } catch (IOException | SecurityException e) {
            // A truncated or corrupt file fails here: its zip central directory is missing or wrong.
            return Optional.of("not a readable jar (corrupt or truncated zip: " + e.getMessage() + ")");
        }
        if (manifest == null) {
            return Optional.of("a plain jar, not an OSGi bundle (no META-INF/MANIFEST.MF)");
        }
        Attributes main = manifest.getMainAttributes();
        String symbolicName = main.getValue(Constants.BUNDLE_SYMBOLICNAME);
        if (symbolicName == null || symbolicName.isBlank()) {
            return Optional.of("a plain jar, not an OSGi bundle (its manifest has no Bundle-SymbolicName)");
        }
        String version = main.getValue(Constants.BUNDLE_VERSION);
        if (version != null) {
            try {
                Version.parseVersion(version.trim());
            } catch (IllegalArgumentException e) {
                return Optional.of("its manifest's Bundle-Version '" + version + "' is not an OSGi version");
            }
        }
        return Optional.empty();
    }
}
