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
 */
public record EvalItem(String id, String task, String prompt, boolean chat, int maxNewTokens,
                       List<String> references, Map<String, String> attributes) {
    public EvalItem {
        if (id == null || id.isBlank()) throw new IllegalArgumentException("eval item id is empty");
        if (maxNewTokens <= 0) throw new IllegalArgumentException("maxNewTokens must be positive for item " + id);
        references = List.copyOf(references);
        attributes = Map.copyOf(attributes);
    }
}
