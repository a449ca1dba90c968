package io.github.compresskv.bench;

import io.github.compresskv.cache.KvStorage;

import java.util.List;

/**
 * What a sweep runs: every context length × method × unit × budget (the method "full" once per context, without a
 * budget), each with a timed prefill of {@code context} synthetic tokens, {@code warmup} untimed and
 * {@code genTokens} timed decode steps. {@code units} are unit labels ({@code token}, {@code chunk10}, {@code sentence});
 * a method with another unit than tokens is named {@code method+unit} in the points and results.
 */
public record BenchPlan(List<Integer> contexts, List<String> methods, List<Integer> budgets, List<String> units, int genTokens, int warmup,
                        KvStorage kvStorage, boolean streaming, int window) {

    public static final String FULL = io.github.compresskv.compress.CompressionMethods.NONE;

    /** Token units only. */
    public BenchPlan(List<Integer> contexts, List<String> methods, List<Integer> budgets, int genTokens, int warmup,
                     KvStorage kvStorage, boolean streaming, int window) {
        this(contexts, methods, budgets, List.of("token"), genTokens, warmup, kvStorage, streaming, window);
    }

    public BenchPlan {
        units = List.copyOf(units);
        if (units.isEmpty()) throw new IllegalArgumentException("--units: give at least one unit");
        contexts = List.copyOf(contexts);
        methods = List.copyOf(methods);
        budgets = List.copyOf(budgets);
        if (contexts.isEmpty()) throw new IllegalArgumentException("--contexts: give at least one context length");
        for (int n : contexts) if (n < 1) throw new IllegalArgumentException("--contexts: lengths must be >= 1, got " + n);
        if (methods.isEmpty()) throw new IllegalArgumentException("--methods: give at least one method");
        boolean compressing = methods.stream().anyMatch(m -> !m.equalsIgnoreCase(FULL));
        if (compressing && budgets.isEmpty()) throw new IllegalArgumentException("--budgets: methods other than full need at least one budget");
        for (int b : budgets) if (b < 1) throw new IllegalArgumentException("--budgets: budgets must be >= 1, got " + b);
        if (genTokens < 1) throw new IllegalArgumentException("--gen-tokens must be >= 1, got " + genTokens);
        if (warmup < 0) throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
    }

    /** One configuration of the sweep; budget is null for full. */
    public record Point(int context, String method, Integer budget) {
        public String label() { return budget == null ? method : method + " B=" + budget; }
    }

    /** The configurations in run order: contexts ascending as given, then methods, then budgets. */
    public List<Point> points() {
        java.util.ArrayList<Point> out = new java.util.ArrayList<>();
        for (int n : contexts) {
            for (String m : methods) {
                if (m.equalsIgnoreCase(FULL)) out.add(new Point(n, FULL, null));
                else for (String u : unitsOf(m)) for (int b : budgets) out.add(new Point(n, u.equals("token") ? m : m + "+" + u, b));
            }
        }
        return out;
    }

    /** The units method {@code m} runs with: tokens alone for methods whose scores do not rate content. */
    List<String> unitsOf(String m) {
        return io.github.compresskv.compress.CompressionMethods.byName(m).scoresContent() ? units : List.of("token");
    }

    /** The longest prompt plus the decode steps: what the model's context length must hold. */
    public int positionsNeeded() {
        return contexts.stream().mapToInt(Integer::intValue).max().orElse(0) + warmup + genTokens;
    }
}
