package io.github.compresskv.eval;

import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.compress.Budget;
import io.github.compresskv.compress.CompressionMethods;
import io.github.compresskv.compress.CompressionException;
import io.github.compresskv.compress.CompressionOptions;
import io.github.compresskv.compress.SelectionUnit;

import java.util.ArrayList;
import java.util.List;

/**
 * What a sweep runs for every item: the methods, the selection units, the budgets (tokens per KV head per layer,
 * window included) and the compression knobs. {@code full} runs once per item (budget 0); every other method once per
 * unit and budget, except that methods whose scores do not rate content (streamingllm, random) run with token units
 * only. A (method, unit) pair is a <em>variant</em>, named {@code method} for tokens and {@code method+unit} otherwise
 * ({@code snapkv+sentence}); tables and plots have one row or line per variant.
 */
public record EvalSettings(List<String> methods, List<Integer> budgets, List<SelectionUnit> units, CompressionOptions options, KvStorage storage) {
    public static final String FULL = io.github.compresskv.compress.CompressionMethods.NONE;

    /** Token units only. */
    public EvalSettings(List<String> methods, List<Integer> budgets, CompressionOptions options, KvStorage storage) {
        this(methods, budgets, List.of(SelectionUnit.token()), options, storage);
    }

    public EvalSettings {
        if (units == null || units.isEmpty()) throw new IllegalArgumentException("--units: no unit given");
        units = List.copyOf(units);
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
        checkUnits(units, budgets);
    }

    /** Fails on a unit given twice or a chunk larger than one of the budgets (messages name the flags). */
    public static void checkUnits(List<SelectionUnit> units, List<Integer> budgets) {
        if (units.stream().map(SelectionUnit::label).distinct().count() != units.size()) {
            throw new CompressionException("--units: a unit is given twice: " + units);
        }
        for (SelectionUnit u : units) for (int b : budgets) u.requireFits(b, "the budget");
    }

    /** The units method {@code m} runs with: all of them, or tokens alone for full and methods without content scores. */
    public List<SelectionUnit> unitsOf(String m) {
        return m.equals(FULL) || !CompressionMethods.byName(m).scoresContent() ? List.of(SelectionUnit.token()) : units;
    }

    /** The variants in table order: per method, per unit. */
    public List<String> variants() {
        List<String> out = new ArrayList<>();
        for (String m : methods) for (SelectionUnit u : unitsOf(m)) out.add(variant(m, u.label()));
        return out;
    }

    /** {@code method} for token units, else {@code method+unit}. */
    public static String variant(String method, String unitLabel) {
        return unitLabel.equals("token") ? method : method + "+" + unitLabel;
    }

    /** Every (method, unit, budget) to run per item, in order; full has budget 0. */
    public List<Combo> combos() {
        List<Combo> out = new ArrayList<>();
        for (String m : methods) {
            if (m.equals(FULL)) out.add(new Combo(m, 0));
            else for (SelectionUnit u : unitsOf(m)) for (int b : budgets) out.add(new Combo(m, u, b));
        }
        return out;
    }

    /** One method with one unit at one budget (0 = full cache). */
    public record Combo(String method, SelectionUnit unit, int budget) {
        public Combo(String method, int budget) { this(method, SelectionUnit.token(), budget); }

        public boolean compresses() { return !method.equals(FULL); }

        /** The variant's name: {@code method} or {@code method+unit}. */
        public String variant() { return EvalSettings.variant(method, unit.label()); }

        @Override
        public String toString() { return compresses() ? variant() + "@" + budget : method; }
    }
}
