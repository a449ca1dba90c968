package io.github.compresskv.profile;

import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.compress.HeadProfile;
import io.github.compresskv.needle.PromptLayout;
import io.github.compresskv.format.ModelSources;
import io.github.compresskv.model.Model;
import io.github.compresskv.tensor.Parallel;
import io.github.compresskv.tokenizer.Tokenizer;
import io.github.compresskv.tokenizer.Tokenizers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The profiler on the embedded model with a tiny grid: reproducible files, resumption after an interruption. */
class HeadProfilerTest {
    static Model model;
    static Tokenizer tokenizer;
    static String haystack;
    static final ProbeConfig CONFIG = new ProbeConfig("compresskv-tiny.gguf", "frankenstein", new int[] {256, 512},
            new int[] {0, 100}, ProbeConfig.defaultNeedles().subList(0, 1), 0, 24, PromptLayout.PAPER);

    @BeforeAll
    static void load() throws IOException {
        model = Model.load(ModelSources.open(Path.of("models/compresskv-tiny.gguf")), new Parallel(2));
        tokenizer = Tokenizers.load(model.source());
        try (InputStream in = HeadProfilerTest.class.getResourceAsStream("/io/github/compresskv/haystack/frankenstein.txt")) {
            haystack = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @AfterAll
    static void close() { model.close(); }

    private static HeadProfiler profiler() { return new HeadProfiler(model, tokenizer, CONFIG, haystack, KvStorage.F32); }

    private static String profileBytes(Path partial, HeadProfiler.Progress progress, Path out) throws IOException {
        HeadProfileResult r = profiler().run(partial, progress);
        HeadProfileJson.write(r, out);
        HeadProfileJson.writeAuthorsFormat(r, out.resolveSibling(out.getFileName() + ".authors.json"));
        return Files.readString(out);
    }

    @Test
    void sameSeedAndGridGiveIdenticalFilesAndAnInterruptedRunResumesToTheSameResult(@TempDir Path dir) throws IOException {
        Path partial = dir.resolve("a.json.partial.jsonl");
        String first = profileBytes(partial, null, dir.resolve("a.json"));
        assertFalse(Files.exists(partial), "the partial file is removed once the grid is complete");
        String second = profileBytes(null, null, dir.resolve("b.json"));
        assertEquals(first, second);

        // interrupt after 2 of 4 trials, then resume
        Path partialC = dir.resolve("c.json.partial.jsonl");
        RuntimeException stop = new RuntimeException("stop");
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> profiler().run(partialC, (done, total, t, resumed) -> {
            if (done == 2) throw stop;
        }));
        assertEquals(stop, thrown);
        assertEquals(3, Files.readAllLines(partialC).size(), "header and two trial records");
        int[] fresh = {0}, reported = {0};
        String resumed = profileBytes(partialC, (done, total, t, wasResumed) -> {
            reported[0]++;
            if (!wasResumed) fresh[0]++;
        }, dir.resolve("c.json"));
        assertEquals(4, reported[0], "progress reports all trials, resumed ones included");
        assertEquals(2, fresh[0], "only the two missing trials run again");
        assertEquals(first, resumed);

        // the output is readable by the compression side, in both formats
        HeadProfile ours = HeadProfile.load(dir.resolve("a.json"));
        assertEquals(model.config().layers(), ours.layers());
        HeadProfile theirs = HeadProfile.load(dir.resolve("a.json.authors.json"));
        for (int l = 0; l < model.config().layers(); l++) {
            int[] ranking = ours.topHeads(l, 12);
            assertEquals(12, ranking.length);
            assertArrayEquals(ranking, theirs.topHeads(l, 12));
        }
        assertTrue(first.contains("\"successfulTrials\" : "), first);
        assertTrue(first.contains("\"schemaVersion\" : 1"));
    }

    @Test
    void aPartialFileOfAnotherConfigurationIsRefused(@TempDir Path dir) throws IOException {
        Path partial = dir.resolve("x.partial.jsonl");
        Files.writeString(partial, "{\"probe\":{\"model\":\"other\"}}\n");
        ProfileException e = assertThrows(ProfileException.class, () -> profiler().run(partial, null));
        assertTrue(e.getMessage().contains(partial.toString()) && e.getMessage().contains("different probe configuration"), e.getMessage());
    }

    @Test
    void aTornLastLineIsDroppedOnResume(@TempDir Path dir) throws IOException {
        Path partial = dir.resolve("t.partial.jsonl");
        HeadProfiler p = profiler();
        TrialRecord one = p.trial(0, 256, 0);
        Files.write(partial, List.of("{\"probe\":" + CONFIG.toJson() + "}", one.toJson().toString(), "{\"needle\":0,\"len"));
        int[] fresh = {0};
        HeadProfileResult r = p.run(partial, (done, total, t, resumed) -> { if (!resumed) fresh[0]++; });
        assertEquals(4, r.trials().size());
        assertEquals(3, fresh[0], "the torn record is recomputed");
        assertEquals(one.response(), r.trials().get(0).response());
    }

    @Test
    void probesSharingAPrefillAgreeWithProbesPrefilledFromScratch() {
        HeadProfiler p = profiler();
        HeadProfileResult shared = p.run(null, null);
        for (TrialRecord r : shared.trials()) {
            TrialRecord fresh = p.trial(r.needle(), r.length(), r.depth());
            assertEquals(fresh.promptTokens(), r.promptTokens());
            assertEquals(fresh.response(), r.response(), "depth " + r.depth());
            for (int l = 0; l < r.srh().length; l++) {
                for (int h = 0; h < r.srh()[l].length; h++) {
                    double a = fresh.srh()[l][h], b = r.srh()[l][h];
                    assertEquals(a, b, 1e-4 * Math.max(1, Math.abs(a)), "SRH score of layer " + l + " head " + h);
                    assertEquals(fresh.classic()[l][h], r.classic()[l][h], 1e-9, "classic score of layer " + l + " head " + h);
                }
            }
        }
    }
}
