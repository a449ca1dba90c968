package io.github.compresskv.api;

/** The check that the JVM was started with the Vector API module, before any kernel class needs it. */
final class VectorApi {
    private VectorApi() {}

    static final String MODULE = "jdk.incubator.vector";

    /** Fails with a message saying how to start the JVM when the module is not in the boot layer. */
    static void require() {
        if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            throw new IllegalStateException("CompressKV needs the Vector API: start java with --add-modules " + MODULE
                    + " (and --enable-native-access=ALL-UNNAMED), e.g. java --add-modules " + MODULE + " -cp ... YourMain");
        }
    }
}
