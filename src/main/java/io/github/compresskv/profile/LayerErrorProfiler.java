package io.github.compresskv.profile;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.compress.HeadProfile;
import io.github.compresskv.model.Model;
import io.github.compresskv.model.ModelConfig;
import io.github.compresskv.model.Transformer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * CompressKV's offline eviction-error measurement (method document §5.1). Per prompt: prefill with the full cache
 * while recording each layer's keep set I_l at the profiling budget ({@link LayerKeepSetRecorder}); greedy
 * generation with the full cache (so the text is FullKV's); at every decode step t and layer l the decoded
 * token's attention output is also computed over I_l,t = I_l ∪ {all generated tokens so far, the current one
 * included} (the window is inside I_l) and r_{l,t} = ‖W_O·O_comp − W_O·O_full‖ / (‖W_O·O_full‖ + 1e−5) is summed
 * into e_l. The first generated token comes from the prefill and contributes nothing. Per task the sums are
 * L1-normalised, averaged over tasks and normalised again ({@link LayerErrorNormalisation}).
 */
public final class LayerErrorProfiler {

    /** Progress per finished prompt. */
    @FunctionalInterface
    public interface Progress {
        void update(int done, int total, String message);
    }

    private final Model model;
    private final ModelConfig config;
    private final HeadProfile heads;
    private final LayerProfileSettings settings;
    private final KvStorage storage;
    private final Set<Integer> endIds;
    private final Transformer transformer;
    private final LayerShadowAttention shadow;
    private long decodeSteps;

    /** @param endIds tokens that end generation (after the first token, which is never one of them) */
    public LayerErrorProfiler(Model model, HeadProfile heads, LayerProfileSettings settings, KvStorage storage, Set<Integer> endIds) {
        this.model = model;
        this.config = model.config();
        this.heads = heads;
        this.settings = settings;
        this.storage = storage;
        this.endIds = Set.copyOf(endIds);
        this.transformer = model.newTransformer();
        this.shadow = new LayerShadowAttention(config.heads(), config.headDim(), config.dim());
        if (heads.layers() < config.layers()) {
            throw new IllegalArgumentException("head profile " + heads.source() + " ranks heads for " + heads.layers() + " layers, the model has " + config.layers());
        }
    }

    /** Runs every prompt of {@code set} and aggregates. */
    public LayerErrorProfile profile(LayerCalibrationSet set, Progress progress) {
        int layers = config.layers(), total = set.prompts(), done = 0;
        long stepsBefore = decodeSteps;
        List<String> names = new ArrayList<>();
        int tasks = set.tasks().size();
        double[][] sums = new double[tasks][];
        double[][] normalised = new double[tasks][];
        int[] samples = new int[tasks];
        // each task's prompts alternately into two halves, to tell whether the calibration set is large enough
        double[][][] halfSums = new double[2][tasks][layers];
        boolean halves = true;
        for (int t = 0; t < tasks; t++) {
            LayerCalibrationSet.Task task = set.tasks().get(t);
            names.add(task.name());
            double[] sum = new double[layers];
            for (int s = 0; s < task.prompts().size(); s++) {
                double[] e = sampleErrors(task.prompts().get(s));
                for (int l = 0; l < layers; l++) {
                    sum[l] += e[l];
                    halfSums[s % 2][t][l] += e[l];
                }
                done++;
                if (progress != null) progress.update(done, total, task.name());
            }
            sums[t] = sum;
            normalised[t] = LayerErrorNormalisation.l1(sum);
            samples[t] = task.prompts().size();
            halves &= samples[t] >= 2;
        }
        double[][] halfScores = halves ? new double[][]{LayerErrorNormalisation.fromSums(halfSums[0]), LayerErrorNormalisation.fromSums(halfSums[1])} : null;
        return new LayerErrorProfile(List.copyOf(names), sums, normalised, LayerErrorNormalisation.combine(List.of(normalised)),
                samples, decodeSteps - stepsBefore, halfScores);
    }

    /** e_l of one prompt: Σ over decode steps of r_{l,t}, for every layer l. */
    public double[] sampleErrors(int[] prompt) {
        int layers = config.layers(), n = prompt.length;
        if (n + 1 > config.contextLength()) {
            throw new IllegalArgumentException("a calibration prompt of " + n + " tokens leaves no room to generate within the context of " + config.contextLength());
        }
        KvCache cache = model.newCache(storage);
        LayerKeepSetRecorder recorder = new LayerKeepSetRecorder(heads, settings.retrievalHeads(), settings.poolKernel(),
                settings.budget(), settings.window(), layers, config.heads());
        float[] logits = transformer.prefill(cache, prompt, recorder);
        int[][] keep = new int[layers][];
        for (int l = 0; l < layers; l++) keep[l] = recorder.keepSet(l);
        double[] errors = new double[layers];
        int token = argmax(logits, true);
        for (int generated = 1; generated < settings.maxNewTokens() && cache.nextPosition() < config.contextLength(); generated++) {
            logits = transformer.decode(cache, token, (layer, c, query, attention) -> {
                int[] rows = compressedRows(keep[layer], n, c.rows(layer, 0));
                errors[layer] += shadow.relativeError(c, layer, query, attention, rows, model.weights().layers()[layer].wo(), model.parallel());
            });
            decodeSteps++;
            token = argmax(logits, false);
            if (endIds.contains(token)) break;
        }
        return errors;
    }

    /** I_l,t as cache rows: the prompt's keep set, then every row after the prompt (the generated tokens). */
    static int[] compressedRows(int[] keep, int promptLength, int rows) {
        int[] out = new int[keep.length + rows - promptLength];
        System.arraycopy(keep, 0, out, 0, keep.length);
        for (int r = promptLength; r < rows; r++) out[keep.length + r - promptLength] = r;
        return out;
    }

    /** Greedy choice; the first token may not end the generation (min_length = prompt + 1). Ties to the lower id. */
    private int argmax(float[] logits, boolean first) {
        int best = -1;
        for (int i = 0; i < logits.length; i++) {
            if (first && endIds.contains(i)) continue;
            if (best < 0 || logits[i] > logits[best]) best = i;
        }
        return best;
    }
}
