/**
 * The one strict reader of JSONL input files (datasets, {@code mr1 rewards score}
 * input): every non-blank line must be valid UTF-8 and one strict JSON object (no
 * single-quoted strings, bare words, comments, trailing text or duplicated keys), and
 * every error names the file and the 1-based line. Exported so the tasks and the trainer
 * read their inputs the same way.
 */
@Version("1.0.0")
@Export
package io.mr1.core.jsonl;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
