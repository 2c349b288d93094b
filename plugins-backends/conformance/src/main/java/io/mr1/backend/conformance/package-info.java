/**
 * The backend conformance kit: JUnit 5 checks that every policy backend runs from its
 * own tests by extending {@link io.mr1.backend.conformance.BackendConformanceKit} and
 * supplying a few engine hooks. A backend that passes computes the same model and the
 * same GRPO-D loss as every other, which is what makes a mid-run backend swap safe.
 */
@Version("1.0.0")
@Export
package io.mr1.backend.conformance;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
