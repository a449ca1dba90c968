package io.github.compresskv.compress;

/**
 * PyramidKV (CompressKV repository, §6.2): base = B − w; min = ⌊base/β⌋; max = 2·base − min; if max ≥ N − w
 * then max = N − w and min = 2·base − max; step = ⌊(max − min)/(L − 1)⌋; B_l = max − l·step + w. Floors are
 * mathematical floors (Python's //). β = 20 by default.
 */
public final class PyramidAllocator implements Allocator {
    private final int beta;

    /** PyramidKV's β. */
    public record Settings(int beta) implements PartSettings {
        public static final Settings DEFAULT = new Settings(20);
    }

    public PyramidAllocator(int beta) {
        if (beta < 1) throw new CompressionException("PyramidKV beta must be ≥ 1, got " + beta);
        this.beta = beta;
    }

    @Override
    public int[] allocate(AllocationRequest r) {
        int base = r.budget() - r.window();
        int min = Math.floorDiv(base, beta);
        int max = 2 * base - min;
        if (max >= r.promptLength() - r.window()) {
            max = r.promptLength() - r.window();
            min = 2 * base - max;
        }
        int step = r.layers() > 1 ? Math.floorDiv(max - min, r.layers() - 1) : 0;
        int[] b = new int[r.layers()];
        for (int l = 0; l < b.length; l++) b[l] = Math.max(r.window(), max - l * step + r.window());
        return b;
    }
}
