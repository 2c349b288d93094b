/**
 * Private parts of the PyTorch natives bundle: the bundle activator that initialises DJL's engine
 * registry under this bundle's class loader once the framework has started. Not exported.
 */
package io.mr1.backend.pytorchnatives.internal;
