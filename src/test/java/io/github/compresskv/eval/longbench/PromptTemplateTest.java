package io.github.compresskv.eval.longbench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Template filling as Python's str.format, and the official templates and lengths loaded from the resources. */
class PromptTemplateTest {
    @Test
    void fillsFieldsVerbatim() {
        PromptTemplate t = new PromptTemplate("Doc: {context}\nQ: {input}\nA:");
        assertEquals("Doc: some text\nQ: who?\nA:", t.fill("some text", "who?"));
        // the fields' own braces are not template syntax
        assertEquals("Doc: f({input}) {x}\nQ: }{\nA:", t.fill("f({input}) {x}", "}{"));
        assertEquals("{literal} text", new PromptTemplate("{{literal}} {context}").fill("text", ""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PromptTemplate("{question}").fill("c", "i"));
        assertTrue(e.getMessage().contains("{question}"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PromptTemplate("{context").fill("c", "i"));
        assertThrows(IllegalArgumentException.class, () -> new PromptTemplate("a } b").fill("c", "i"));
    }

    @Test
    void officialTemplatesAndLengths() {
        LongBenchConfig config = LongBenchConfig.official();
        assertEquals("Answer the question based on the given passages. Only give me the answer and do not output any other words."
                        + "\n\nThe following are given passages.\nP1\n\nAnswer the question based on the given passages. Only give me the answer"
                        + " and do not output any other words.\n\nQuestion: Q?\nAnswer:",
                config.template(LongBenchTask.HOTPOTQA).fill("P1", "Q?"));
        assertEquals("Please complete the code given below. \nint a = 1;\nNext line of code:\n", config.template(LongBenchTask.LCC).fill("int a = 1;\n", "unused"));
        assertTrue(config.template(LongBenchTask.NARRATIVEQA).template().contains("asconcisely"), "the official typo is kept");
        assertEquals(128, config.maxNewTokens(LongBenchTask.NARRATIVEQA));
        assertEquals(32, config.maxNewTokens(LongBenchTask.HOTPOTQA));
        assertEquals(512, config.maxNewTokens(LongBenchTask.GOV_REPORT));
        assertEquals(64, config.maxNewTokens(LongBenchTask.TREC));
        assertEquals(64, config.maxNewTokens(LongBenchTask.REPOBENCH_P));
        for (LongBenchTask task : LongBenchTask.values()) {
            assertTrue(config.template(task).template().contains("{context}"), task.datasetName());
        }
    }
}
