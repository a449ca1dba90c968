package io.github.compresskv.cli;

import io.github.compresskv.eval.EvalSuite;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.List;

/**
 * Builds the LongBench suite ({@code io.github.compresskv.eval.longbench.LongBenchSuite(Path folder, List<String>
 * datasets, int maxSamplesPerDataset)}, issue 6's LongBench part) by name, so that this command line builds with or
 * without it; without it {@code eval longbench} says so in one line.
 */
final class LongBenchSuites {
    static final String CLASS = "io.github.compresskv.eval.longbench.LongBenchSuite";

    private LongBenchSuites() {}

    static EvalSuite create(Path folder, List<String> datasets, int maxSamplesPerDataset) {
        Class<?> type;
        try {
            type = Class.forName(CLASS);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("the LongBench suite is not part of this build (" + CLASS + " is missing)");
        }
        try {
            Constructor<?> c = type.getConstructor(Path.class, List.class, int.class);
            return (EvalSuite) c.newInstance(folder, datasets, maxSamplesPerDataset);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException("LongBench suite: " + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException(CLASS + " lacks the constructor (Path, List<String>, int) implementing EvalSuite: " + e.getMessage(), e);
        }
    }
}
