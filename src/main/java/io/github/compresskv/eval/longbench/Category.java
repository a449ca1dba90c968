package io.github.compresskv.eval.longbench;

/** LongBench's six task categories (the column groups of LongBench's and CompressKV's result tables). */
public enum Category {
    SINGLE_DOC_QA("single-doc-qa"),
    MULTI_DOC_QA("multi-doc-qa"),
    SUMMARIZATION("summarization"),
    FEW_SHOT("few-shot"),
    SYNTHETIC("synthetic"),
    CODE("code");

    private final String slug;

    Category(String slug) { this.slug = slug; }

    /** The key part used in aggregates: {@code category/<slug>}. */
    public String slug() { return slug; }
}
