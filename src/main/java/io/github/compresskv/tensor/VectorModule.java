package io.github.compresskv.tensor;

/**
 * The check that the JVM runs with the Vector API module, made before any kernel class needs it (a kernel class
 * loaded without it fails with a bare {@code NoClassDefFoundError}). References no vector class itself.
 */
public final class VectorModule {
    private VectorModule() {}

    public static final String NAME = "jdk.incubator.vector";

    /** Fails with a message saying how to start the JVM when the module is not in the boot layer. */
    public static void require() {
        if (ModuleLayer.boot().findModule(NAME).isEmpty()) {
            throw new IllegalStateException("CompressKV needs the Vector API: start java with --add-modules " + NAME
                    + " (and --enable-native-access=ALL-UNNAMED), e.g. java --add-modules " + NAME + " -cp ... YourMain");
        }
    }
}
