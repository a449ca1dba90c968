package io.github.compresskv.eval;

import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.compress.Budget;
import io.github.compresskv.compress.CompressionMethods;
import io.github.compresskv.compress.CompressionOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * What a sweep runs for every item: the methods, the budgets (tokens per KV head per layer, window included) and
 * the compression knobs. {@code full} runs once per item (budget 0); every other method once per budget.
 */
public record EvalSettings(List<String> methods, List<Integer> budgets, CompressionOptions options, KvStorage storage) {
    public static final String FULL = "full";

    public EvalSettings {
        if (methods.isEmpty()) throw new IllegalArgumentException("--methods: no method given");
        List<String> canonical = new ArrayList<>();
        for (String m : methods) {
            String name = CompressionMethods.byName(m.strip()).name();
            if (canonical.contains(name)) throw new IllegalArgumentException("--methods: " + name + " is given twice");
            canonical.add(name);
        }
        methods = List.copyOf(canonical);
        budgets = List.copyOf(budgets);
        boolean evicting = methods.stream().anyMatch(m -> !m.equals(FULL));
        if (evicting && budgets.isEmpty()) throw new IllegalArgumentException("--budgets: no budget given for " + methods);
        for (int b : budgets) {
            Budget.tokens(b).requireAtLeastWindow(options.window());
        }
        if (budgets.stream().distinct().count() != budgets.size()) throw new IllegalArgumentException("--budgets: a budget is given twice: " + budgets);
        if (options.streaming()) throw new IllegalArgumentException("streaming compression needs a prefill per method; the harness shares one prefill per item");
    }

    /** Every (method, budget) to run per item, in order; full has budget 0. */
    public List<Combo> combos() {
        List<Combo> out = new ArrayList<>();
        for (String m : methods) {
            if (m.equals(FULL)) out.add(new Combo(m, 0));
            else for (int b : budgets) out.add(new Combo(m, b));
        }
        return out;
    }

    /** One method at one budget (0 = full cache). */
    public record Combo(String method, int budget) {
        public boolean compresses() { return !method.equals(FULL); }

        @Override
        public String toString() { return compresses() ? method + "@" + budget : method; }
    }
}
