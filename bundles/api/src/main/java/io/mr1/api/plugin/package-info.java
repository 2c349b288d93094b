/**
 * Discovery of what is installed: the plugin registry the framework provides, listing every backend, reward, KL schedule and task service with its bundle and version, and the service-property and naming conventions plugins follow.
 */
@Version("1.1.0")
@Export
package io.mr1.api.plugin;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
