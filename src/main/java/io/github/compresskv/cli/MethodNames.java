package io.github.compresskv.cli;

import io.github.compresskv.compress.CompressionMethods;

import java.util.Iterator;

/** The compression methods' names for picocli's {@code ${COMPLETION-CANDIDATES}} (help text and completion). */
final class MethodNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() { return CompressionMethods.names().iterator(); }
}
