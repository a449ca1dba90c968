package io.github.compresskv.profile;

import io.github.compresskv.format.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a head profile: our JSON (documented in docs/file-formats.md; its {@code "ranking"} member is what
 * {@code compress.HeadProfile} reads) and the authors' {@code {"0": [ranked heads], ...}} file. No timestamps or
 * paths, so the same probes give the same bytes.
 */
public final class HeadProfileJson {
    public static final String SCHEMA = "compresskv.head-profile";
    public static final int SCHEMA_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HeadProfileJson() {}

    public static ObjectNode toJson(HeadProfileResult r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("schema", SCHEMA);
        o.put("schemaVersion", SCHEMA_VERSION);
        o.put("producer", "compresskv profile heads");
        ObjectNode shape = o.putObject("modelShape");
        shape.put("layers", r.layers());
        shape.put("heads", r.heads());
        shape.put("kvHeads", r.kvHeads());
        o.set("probe", r.config().toJson());
        o.put("trials", r.trials().size());
        o.put("successfulTrials", r.successfulTrials());
        o.set("ranking", rankingObject(r.srhRanking()));
        o.set("classicRanking", rankingObject(r.classicRanking()));
        o.set("srhScores", TrialRecord.matrix(r.srh()));
        o.set("classicScores", TrialRecord.matrix(r.classic()));
        ArrayNode outcomes = o.putArray("trialOutcomes");
        for (TrialRecord t : r.trials()) {
            ObjectNode e = outcomes.addObject();
            e.put("needle", t.needle());
            e.put("length", t.length());
            e.put("depth", t.depth());
            e.put("promptTokens", t.promptTokens());
            e.putArray("answerSpan").add(t.span().start()).add(t.span().end());
            e.put("rouge1Recall", t.rouge1Recall());
            e.put("success", t.success());
            e.put("response", t.response());
        }
        return o;
    }

    public static void write(HeadProfileResult r, Path file) { writeNode(toJson(r), file); }

    /** The authors' format: {@code {"0": [heads of layer 0 ranked by SRH score], ...}}. */
    public static void writeAuthorsFormat(HeadProfileResult r, Path file) { writeNode(rankingObject(r.srhRanking()), file); }

    private static ObjectNode rankingObject(int[][] ranking) {
        ObjectNode o = JSON.createObjectNode();
        for (int l = 0; l < ranking.length; l++) {
            ArrayNode a = o.putArray(Integer.toString(l));
            for (int h : ranking[l]) a.add(h);
        }
        return o;
    }

    private static void writeNode(ObjectNode node, Path file) {
        try {
            AtomicFiles.writeString(file, JSON.writeValueAsString(node) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write head profile " + file + ": " + e.getMessage(), e);
        }
    }
}
