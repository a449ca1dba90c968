package io.github.compresskv.compress;

/**
 * The settings one part of a method declares for itself (a scorer's pooling, a selector's floor, an allocator's
 * profile), kept in {@link CompressionOptions} by their type, as kvpress' presses carry their own parameters.
 */
public interface PartSettings {
}
