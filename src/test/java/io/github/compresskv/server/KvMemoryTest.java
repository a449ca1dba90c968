package io.github.compresskv.server;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Deque;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The KV memory account: reservations within the limit, eviction before refusal, 503 with or without Retry-After. */
class KvMemoryTest {

    @Test
    void reservationsShrinkAndReleaseOnce() {
        KvMemory m = new KvMemory(1000);
        KvMemory.Reservation a = m.reserve(600, "a");
        a.shrinkTo(200);
        a.shrinkTo(500); // never grows back
        assertEquals(200, m.used());
        KvMemory.Reservation b = m.reserve(800, "b");
        assertEquals(1000, m.used());
        a.close();
        a.close();
        assertEquals(800, m.used());
        b.close();
        assertEquals(0, m.used());
    }

    @Test
    void evictsBeforeRefusingAndSays503() {
        KvMemory m = new KvMemory(1000);
        Deque<KvMemory.Reservation> cached = new ArrayDeque<>();
        m.evictor(() -> {
            if (cached.isEmpty()) return false;
            cached.removeFirst().close();
            return true;
        });
        cached.add(m.reserve(300, "x"));
        cached.add(m.reserve(300, "y"));
        KvMemory.Reservation r = m.reserve(700, "request"); // evicts the oldest cached entry only: 300 + 700 fit
        assertEquals(1, cached.size());
        assertEquals(1000, m.used());
        assertNull(m.tryReserve(400)); // evicts the last one, still no room
        assertTrue(cached.isEmpty());
        assertEquals(700, m.used());
        ApiException busy = assertThrows(ApiException.class, () -> m.reserve(400, "this request"));
        assertEquals(503, busy.status());
        assertEquals(1, busy.retryAfterSeconds(), "fits once the other request ends");
        ApiException never = assertThrows(ApiException.class, () -> m.reserve(2000, "this request"));
        assertEquals(0, never.retryAfterSeconds(), "never fits: no Retry-After");
        assertTrue(never.getMessage().contains("--max-kv-mib"), never.getMessage());
        r.close();
        assertEquals(0, m.used());
    }
}
