package io.github.compresskv.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile chat templates stop with a TokenizerException instead of running for hours or filling the heap. */
class ChatTemplateLimitsTest {
    private static final List<ChatTemplate.Message> HI = List.of(new ChatTemplate.Message("user", "hi"));

    private static TokenizerException fails(String source) {
        return assertThrows(TokenizerException.class, () -> new ChatTemplate(source, "", "").render(HI, true));
    }

    @Test
    void nestedLoopsWithoutPracticalEndStopAtTheTimeLimit() {
        long start = System.nanoTime();
        TokenizerException e = fails("{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
                + "{% for d in range(1000) %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}");
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(e.getMessage().contains("longer than"), e.getMessage());
        // generous: the limit plus the time a loaded machine needs to notice it
        assertTrue(ms < ChatTemplate.RENDER_TIME_LIMIT_MS + 10_000, ms + " ms");
    }

    @Test
    void megabyteRendersStopAtTheSizeLimit() {
        TokenizerException e = fails("{% for a in range(1000) %}{% for b in range(1000) %}"
                + "0123456789abcdefghij{% endfor %}{% endfor %}");
        assertTrue(e.getMessage().contains("renders more than"), e.getMessage());
    }

    @Test
    void stringDoublingStopsAtTheSizeLimit() {
        StringBuilder t = new StringBuilder("{% set s = 'xxxxxxxxxxxxxxxx' %}");
        for (int i = 0; i < 40; i++) t.append("{% set s = s ~ s %}");
        fails(t.append("{{ s|length }}").toString());
    }

    @Test
    void recursiveMacrosAreRefused() {
        fails("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
    }

    @Test
    void recursiveLoopsAreBounded() {
        Map<String, Object> deep = Map.of("role", "user", "content", "x");
        String source = "{% for m in messages recursive %}{{ loop(messages) }}{% endfor %}";
        assertThrows(TokenizerException.class,
                () -> new ChatTemplate(source, "", "").render(List.of(deep), true, Map.of()));
    }

    @Test
    void deeplyNestedExpressionsAreRefusedBeforeParsing() {
        // Jinjava would parse this for minutes (quadratic in the depth) before its first node renders
        TokenizerException e = assertThrows(TokenizerException.class,
                () -> new ChatTemplate("{{ " + "(".repeat(20_000) + "1" + ")".repeat(20_000) + " }}", "", ""));
        assertTrue(e.getMessage().contains("nests brackets"), e.getMessage());
        String ok = "{{ " + "(".repeat(ChatTemplate.MAX_BRACKET_DEPTH) + "1" + ")".repeat(ChatTemplate.MAX_BRACKET_DEPTH) + " }}";
        assertEquals("1", new ChatTemplate(ok, "", "").render(HI, false));
    }

    @Test
    void hugeSourcesAreRefused() {
        assertThrows(TokenizerException.class, () -> new ChatTemplate("x".repeat(ChatTemplate.MAX_SOURCE_CHARS + 1), "", ""));
    }

    @Test
    void theOutputLimitScalesWithTheMessages() {
        assertEquals(ChatTemplate.MIN_OUTPUT_LIMIT, ChatTemplate.outputLimit(List.of(Map.of("content", "hi")), Map.of()));
        String big = "x".repeat(3 << 20);
        int limit = ChatTemplate.outputLimit(List.of(Map.of("content", big)), Map.of());
        assertTrue(limit >= 4 * big.length() && limit <= ChatTemplate.MAX_OUTPUT_CHARS, Integer.toString(limit));
        // a long prompt still renders through a template that repeats nothing
        String out = new ChatTemplate("{% for m in messages %}{{ m.content }}{% endfor %}", "", "")
                .render(List.of(new ChatTemplate.Message("user", big)), false);
        assertEquals(big.length(), out.length());
    }
}
