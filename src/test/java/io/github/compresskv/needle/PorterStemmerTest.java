package io.github.compresskv.needle;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Examples from Porter's 1980 paper, step by step, plus whole-word cases worked through by hand. */
class PorterStemmerTest {

    private static void stems(String word, String stem) { assertEquals(stem, PorterStemmer.stem(word), word); }

    @Test
    void step1() {
        stems("caresses", "caress");
        stems("ponies", "poni");
        stems("caress", "caress");
        stems("cats", "cat");
        stems("feed", "feed");
        stems("agreed", "agre"); // agreed → agree (1b) → agre (5a, m=1 and not *o)
        stems("plastered", "plaster");
        stems("bled", "bled");
        stems("motoring", "motor");
        stems("sing", "sing");
        stems("conflated", "conflat"); // → conflate (1b) → conflat (5a)
        stems("hopping", "hop");
        stems("falling", "fall");
        stems("hissing", "hiss");
        stems("fizzed", "fizz");
        stems("failing", "fail");
        stems("filing", "file");
        stems("happy", "happi");
        stems("sky", "sky");
    }

    @Test
    void steps2to5() {
        stems("relational", "relat"); // ational → ate (2), ate removed (4, m=2)
        stems("conditional", "condit"); // tional → tion (2), ion after t removed (4)
        stems("generalization", "gener"); // ization → ize (2), alize → al (3), al removed (4)
        stems("hopeful", "hope");
        stems("goodness", "good");
        stems("revival", "reviv");
        stems("adjustment", "adjust");
        stems("adoption", "adopt");
        stems("controll", "control");
        stems("roll", "roll");
        stems("probate", "probat");
        stems("rate", "rate");
        stems("cease", "ceas");
    }

    @Test
    void originalAlgorithmKeepsAbliRule() {
        stems("vietnamization", "vietnam"); // ization → ize, then ize removed (4, m=2)
        stems("sensibiliti", "sensibl");
        stems("possibly", "possibli"); // the later bli → ble rule would give "possibl"; the 1980 list has only abli // biliti → ble (2), then le: 5a drops e (m=2)
    }
}
