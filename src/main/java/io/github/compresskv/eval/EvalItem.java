package io.github.compresskv.eval;

import java.util.List;
import java.util.Map;

/**
 * One evaluation prompt: what to prefill, how to wrap it, how long to generate, and what counts as right.
 *
 * @param id            stable identifier, unique within its suite run (used to resume a run folder)
 * @param task          the task (dataset) name, e.g. "niah", "niah_multikey", "hotpotqa"
 * @param prompt        the full prompt text (context and question), before any chat template
 * @param chat          whether the model's chat template wraps the prompt (LongBench's per-task policy)
 * @param maxNewTokens  generation limit
 * @param references    acceptable answers (metric-specific: all must appear for RULER's string-match-all)
 * @param attributes    task-specific facts echoed into predictions.jsonl (context length, depth, category, …)
 * @param questionStart where in {@code prompt} the question part begins (everything before it is the context, which
 *                      question-agnostic runs compress before the question is appended); −1 when the suite does not say
 */
public record EvalItem(String id, String task, String prompt, boolean chat, int maxNewTokens,
                       List<String> references, Map<String, String> attributes, int questionStart) {
    public EvalItem {
        if (id == null || id.isBlank()) throw new IllegalArgumentException("eval item id is empty");
        if (maxNewTokens <= 0) throw new IllegalArgumentException("maxNewTokens must be positive for item " + id);
        if (questionStart < -1 || questionStart > prompt.length()) {
            throw new IllegalArgumentException("question start " + questionStart + " outside the prompt of item " + id);
        }
        references = List.copyOf(references);
        attributes = Map.copyOf(attributes);
    }

    /** An item whose prompt is not split into context and question. */
    public EvalItem(String id, String task, String prompt, boolean chat, int maxNewTokens, List<String> references,
                    Map<String, String> attributes) {
        this(id, task, prompt, chat, maxNewTokens, references, attributes, -1);
    }
}
