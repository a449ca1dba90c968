package io.github.compresskv.cli;

import org.junit.jupiter.api.Test;

import static io.github.compresskv.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code compresskv serve}'s flags: help lists them, bad values are one-line errors naming the flag (no server starts). */
class ServeCommandTest {

    @Test
    void helpListsTheIssueFlags() {
        CliTest.Run r = run("serve", "--help");
        assertEquals(0, r.code());
        for (String flag : new String[] {"--model", "--host", "--port", "--parallel", "--max-kv-mib", "--api-key", "--queue", "--read-timeout"}) {
            assertTrue(r.out().contains(flag), flag + " in " + r.out());
        }
        assertTrue(r.out().contains("127.0.0.1"), "binds loopback by default");
    }

    @Test
    void badValuesNameTheFlag() {
        CliTest.Run parallel = run("serve", "--parallel", "0");
        assertEquals(1, parallel.code());
        assertTrue(parallel.err().contains("--parallel"), parallel.err());
        CliTest.Run kv = run("serve", "--max-kv-mib", "0");
        assertEquals(1, kv.code());
        assertTrue(kv.err().contains("--max-kv-mib"), kv.err());
        CliTest.Run port = run("serve", "--port", "x");
        assertEquals(2, port.code());
        assertTrue(port.err().contains("--port"), port.err());
    }
}
