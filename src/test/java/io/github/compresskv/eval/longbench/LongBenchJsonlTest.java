package io.github.compresskv.eval.longbench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.github.compresskv.eval.longbench.LongBenchFiles.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading official-format files, and one clear error (file, line, field) for truncated or corrupted ones. */
class LongBenchJsonlTest {
    @TempDir
    Path dir;

    private List<ObjectNode> threeRecords() {
        List<ObjectNode> r = new ArrayList<>();
        for (int i = 0; i < 3; i++) r.add(record("hotpotqa", "id" + i, "Question " + i + "?", "Passage " + i + ".", List.of("A" + i, "B" + i), null));
        return r;
    }

    private String errorOf(String dataset, String text) throws IOException {
        Path file = LongBenchFiles.writeText(dir, dataset, text);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LongBenchJsonl.read(file, dataset, 0));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        return e.getMessage();
    }

    @Test
    void readsEveryFieldInFileOrder() throws IOException {
        Path file = LongBenchFiles.write(dir, "hotpotqa", threeRecords());
        List<LongBenchRecord> records = LongBenchJsonl.read(file, "hotpotqa", 0);
        assertEquals(3, records.size());
        LongBenchRecord r = records.get(1);
        assertEquals("id1", r.id());
        assertEquals("Question 1?", r.input());
        assertEquals("Passage 1.", r.context());
        assertEquals(List.of("A1", "B1"), r.answers());
        assertEquals(2, r.length());
        assertEquals("hotpotqa", r.dataset());
        assertEquals("en", r.language());
        assertEquals(List.of(), r.allClasses());
        assertEquals(2, LongBenchJsonl.read(file, "hotpotqa", 2).size(), "at most maxRecords");
    }

    @Test
    void classificationRecordsKeepTheirClasses() throws IOException {
        Path file = LongBenchFiles.write(dir, "trec", List.of(record("trec", "t", "What is X?", "ex", List.of("Animal"), List.of("Animal", "Food"))));
        assertEquals(List.of("Animal", "Food"), LongBenchJsonl.read(file, "trec", 0).getFirst().allClasses());
        String msg = errorOf("trec", record("trec", "t", "q", "c", List.of("Animal"), null) + "\n");
        assertTrue(msg.contains(":1:") && msg.contains("all_classes"), msg);
    }

    @Test
    void truncatedFileNamesTheLine() throws IOException {
        String full = threeRecords().stream().map(Object::toString).reduce("", (a, b) -> a + b + "\n");
        String msg = errorOf("hotpotqa", full.substring(0, full.length() - 25));
        assertTrue(msg.contains(":3:") && msg.contains("truncated"), msg);
    }

    @Test
    void wrongOrMissingFieldsNameTheField() throws IOException {
        ObjectNode r = threeRecords().getFirst();
        assertTrue(errorOf("hotpotqa", r.deepCopy().put("context", 5) + "\n").contains("field \"context\": expected a string, found number 5"));
        ObjectNode noAnswers = r.deepCopy();
        noAnswers.remove("answers");
        assertTrue(errorOf("hotpotqa", noAnswers + "\n").contains("field \"answers\": expected a list of strings, found no such field"));
        ObjectNode emptyAnswers = r.deepCopy();
        emptyAnswers.putArray("answers");
        assertTrue(errorOf("hotpotqa", emptyAnswers + "\n").contains("field \"answers\": expected at least one answer"));
        ObjectNode numberAnswer = r.deepCopy();
        numberAnswer.putArray("answers").add("x").add(3);
        assertTrue(errorOf("hotpotqa", numberAnswer + "\n").contains("field \"answers[1]\""));
        assertTrue(errorOf("hotpotqa", r.deepCopy().put("length", "12") + "\n").contains("field \"length\": expected an integer"));
        String otherDataset = errorOf("hotpotqa", r.deepCopy().put("dataset", "musique") + "\n");
        assertTrue(otherDataset.contains("field \"dataset\"") && otherDataset.contains("musique"), otherDataset);
    }

    @Test
    void corruptedLinesAreRejected() throws IOException {
        String good = threeRecords().getFirst().toString();
        assertTrue(errorOf("hotpotqa", good + "\n[1, 2]\n").contains(":2: expected a JSON object"));
        assertTrue(errorOf("hotpotqa", good + "\n" + good + " trailing\n").contains(":2: not a complete JSON record"));
        assertTrue(errorOf("hotpotqa", good + "\n\n" + good + "\n").contains(":2: empty line"));
        assertTrue(errorOf("hotpotqa", good + "\n" + good + "\n").contains(":2: field \"_id\": \"id0\" repeats the _id of line 1"));
        assertTrue(errorOf("hotpotqa", "").contains("has no records"));
        Path binary = dir.resolve("musique.jsonl");
        byte[] line = (good.replace("hotpotqa", "musique") + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] bytes = new byte[line.length * 2];
        System.arraycopy(line, 0, bytes, 0, line.length);
        System.arraycopy(line, 0, bytes, line.length, line.length);
        bytes[line.length + 20] = (byte) 0xC3; // a lone UTF-8 lead byte inside line 2
        bytes[line.length + 21] = (byte) 0x28;
        Files.write(binary, bytes);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LongBenchJsonl.read(binary, "musique", 0));
        assertTrue(e.getMessage().contains(":2: not valid UTF-8"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LongBenchJsonl.read(dir.resolve("qasper.jsonl"), "qasper", 0))
                .getMessage().contains("does not exist"));
    }

    @Test
    void windowsLineEndingsAndLongBenchENames() throws IOException {
        ObjectNode r = record("qasper", "q1", "q", "c", List.of("a"), null);
        Path file = LongBenchFiles.writeText(dir, "qasper_e", r + "\r\n" + r.deepCopy().put("_id", "q2").put("dataset", "qasper_e") + "\r\n");
        assertEquals(2, LongBenchJsonl.read(file, "qasper_e", 0).size());
    }
}
