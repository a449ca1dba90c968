package io.github.compresskv.compress;

/**
 * How the window-attention scorers (SnapKV's, CAKE's, CompressKV's) smooth a score row: pooling of kernel κ
 * ({@code --pool}; 1 disables it).
 */
public record AttentionPooling(Pooling pooling, int kernel) implements PartSettings {
    public static final AttentionPooling DEFAULT = new AttentionPooling(Pooling.AVG, 5);

    public AttentionPooling {
        if (pooling == null) pooling = Pooling.AVG;
        if (kernel < 1 || kernel % 2 == 0) throw new CompressionException("--pool must be an odd kernel size ≥ 1, got " + kernel);
    }
}
