package io.github.compresskv.profile;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.compresskv.needle.Needle;
import io.github.compresskv.needle.PromptLayout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the head profiler probes: needles × context lengths × depths on one haystack, greedy decoding up to
 * {@code maxNewTokens}. {@code seed} picks where the haystack text starts (0 = its beginning), so the same seed
 * and grid give the same prompts. {@code model} and {@code haystack} are names (no absolute paths), so the
 * output does not depend on where files live.
 */
public record ProbeConfig(String model, String haystack, int[] lengths, int[] depths, List<Needle> needles, long seed,
                          int maxNewTokens, PromptLayout layout) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The paper's depths, round(linspace(0, 100, 10)). */
    public static final int[] PAPER_DEPTHS = {0, 11, 22, 33, 44, 56, 67, 78, 89, 100};

    public static final int DEFAULT_MAX_NEW_TOKENS = 50;

    public ProbeConfig {
        lengths = lengths.clone();
        depths = depths.clone();
        needles = List.copyOf(needles);
        if (lengths.length == 0) throw new ProfileException("--lengths: give at least one context length");
        if (depths.length == 0) throw new ProfileException("--depths: give at least one depth");
        if (needles.isEmpty()) throw new ProfileException("no needles to probe with");
        for (int d : depths) if (d < 0 || d > 100) throw new ProfileException("--depths: depth " + d + " is outside 0…100 %");
        for (int l : lengths) if (l < 1) throw new ProfileException("--lengths: length " + l + " must be positive");
        if (maxNewTokens < 1) throw new ProfileException("max new tokens must be ≥ 1, got " + maxNewTokens);
    }

    public int trials() { return needles.size() * lengths.length * depths.length; }

    public int maxLength() { return Arrays.stream(lengths).max().orElseThrow(); }

    /**
     * Default lengths scaled to the model: 5 values round(linspace(512, max(1024, context/4), 5)); for the
     * embedded model (16 384 positions, trained to 8 192) that is 512 … 4 096.
     */
    public static int[] defaultLengths(int contextLength) {
        int max = Math.max(1024, contextLength / 4);
        int[] out = new int[5];
        for (int i = 0; i < 5; i++) out[i] = (int) Math.round(512 + (max - 512) * i / 4.0);
        return out;
    }

    /** Project-owned needles in the paper's style ("The best thing to do in {place} is {activity}."). */
    public static List<Needle> defaultNeedles() {
        return List.of(
                needle("Lisbon", "ride the old yellow tram up the hill and watch the boats come into the harbour"),
                needle("Kyoto", "walk through the bamboo forest at dawn and drink green tea beside the river"),
                needle("Edinburgh", "climb the hill behind the palace and eat warm bread on the windy summit"));
    }

    private static Needle needle(String place, String activity) {
        return new Needle("\nThe best thing to do in " + place + " is " + activity + ".\n",
                "What is the best thing to do in " + place + "?", activity);
    }

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("model", model);
        o.put("haystack", haystack);
        ArrayNode ls = o.putArray("lengths");
        for (int l : lengths) ls.add(l);
        ArrayNode ds = o.putArray("depths");
        for (int d : depths) ds.add(d);
        ArrayNode ns = o.putArray("needles");
        for (Needle n : needles) {
            ObjectNode e = ns.addObject();
            e.put("sentence", n.sentence());
            e.put("question", n.question());
            e.put("answer", n.answer());
        }
        o.put("seed", seed);
        o.put("maxNewTokens", maxNewTokens);
        o.put("layout", layout.template());
        return o;
    }
}
