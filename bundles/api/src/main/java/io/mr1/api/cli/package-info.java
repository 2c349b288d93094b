/**
 * Commands of the headless launcher (mr1 plugins, mr1 schedule, ...): each is a service, so a bundle can add commands; the launcher, which sits outside the framework, finds them by name and runs them with JDK types only.
 */
@Version("1.0.0")
@Export
package io.mr1.api.cli;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
