/**
 * Atomic writes for every mr1 bundle: a file or a folder is built under a hidden sibling
 * name, flushed to disk and renamed into place, so a reader (or a run resumed after a
 * kill) sees the old content or the new, never half of it. The one place that does this,
 * shared by run folders, reports, checkpoints and generated data.
 */
@Version("1.1.0")
@Export
package io.mr1.core.io;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
