package io.github.compresskv.eval.longbench;

import java.util.List;

/**
 * One line of an official LongBench jsonl file (fields as documented in LongBench's README).
 *
 * @param id         {@code _id}: the record's unique identifier
 * @param input      the question / query / item to classify (may be empty)
 * @param context    the long text
 * @param answers    every accepted answer
 * @param length     words (English, code) or characters (Chinese) of input, context and answers
 * @param dataset    the task name the record names
 * @param language   "en", "zh" or a programming language
 * @param allClasses class names for classification tasks, empty otherwise ({@code null} in the file)
 */
public record LongBenchRecord(String id, String input, String context, List<String> answers, long length,
                              String dataset, String language, List<String> allClasses) {
    public LongBenchRecord {
        answers = List.copyOf(answers);
        allClasses = List.copyOf(allClasses);
    }
}
