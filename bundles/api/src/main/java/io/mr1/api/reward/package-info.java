/**
 * The reward-function service: scores a batch of completions against one sample's ground truth, one number per completion plus optional diagnostics. Labs implement it in small plugin bundles that are hot-deployed into the launcher's plugins folder.
 */
@Version("1.0.0")
@Export
package io.mr1.api.reward;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
