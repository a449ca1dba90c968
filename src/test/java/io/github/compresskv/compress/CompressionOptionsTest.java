package io.github.compresskv.compress;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each part's settings: its defaults (the repository's values) until given, given ones replacing only their own type. */
class CompressionOptionsTest {

    @Test
    void partsHaveTheRepositorysDefaultsUntilGiven() {
        CompressionOptions o = CompressionOptions.defaults();
        assertEquals(8, o.window());
        assertEquals(new AttentionPooling(Pooling.AVG, 5), o.part(AttentionPooling.class));
        assertEquals(4, o.part(SemanticRetrievalHeadScorer.Settings.class).heads());
        assertEquals(new PositionScorer.Settings(4, false), o.part(PositionScorer.Settings.class));
        assertEquals(200, o.part(CakeScorer.Settings.class).gamma());
        assertTrue(Double.isNaN(o.part(CakeScorer.Settings.class).tau1()));
        assertEquals(20, o.part(PyramidAllocator.Settings.class).beta());
        assertEquals(0.2, o.part(AdaKvSelector.Settings.class).floor());
        assertEquals(42, o.part(RandomScorer.Settings.class).seed());
        assertNull(o.headProfile());
        assertNull(o.layerProfile());
    }

    @Test
    void givenSettingsReplaceOnlyTheirOwnPart() {
        CompressionOptions o = CompressionOptions.defaults().withPool(3, Pooling.MAX).withProfiles(Path.of("h.json"), Path.of("l.json"))
                .with(new RandomScorer.Settings(7)).withWindow(16);
        assertEquals(new AttentionPooling(Pooling.MAX, 3), o.part(AttentionPooling.class));
        assertEquals(Path.of("h.json"), o.headProfile());
        assertEquals(Path.of("l.json"), o.layerProfile());
        assertEquals(7, o.part(RandomScorer.Settings.class).seed());
        assertEquals(16, o.window());
        assertEquals(20, o.part(PyramidAllocator.Settings.class).beta(), "untouched parts keep their defaults");
        assertEquals(o, CompressionOptions.defaults().withWindow(16).with(new RandomScorer.Settings(7))
                .withProfiles(Path.of("h.json"), Path.of("l.json")).withPool(3, Pooling.MAX), "order does not matter");
    }

    @Test
    void badSettingsNameTheirFlag() {
        assertTrue(assertThrows(CompressionException.class, () -> CompressionOptions.defaults().withPool(4, Pooling.AVG)).getMessage().contains("--pool"));
        assertTrue(assertThrows(CompressionException.class, () -> CompressionOptions.defaults().withWindow(0)).getMessage().contains("--window"));
        assertTrue(assertThrows(CompressionException.class, () -> new SemanticRetrievalHeadScorer.Settings(null, 0)).getMessage().contains("retrieval heads"));
        assertTrue(assertThrows(CompressionException.class, () -> CompressionMethods.byName("compresskv").policy(CompressionOptions.defaults(), Budget.tokens(64)))
                .getMessage().contains("--head-profile"));
    }
}
