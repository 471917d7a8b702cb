package io.fastwebsockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Header lookups scan the fields as received: names ignore case, list elements are trimmed, empties dropped. */
class HttpHeadersTest {
    @Test
    void lookupsIgnoreTheCaseOfNamesAndKeepArrivalOrder() {
        HttpHeaders h = new HttpHeaders()
                .add("Host", "a")
                .add("X-Multi", " one ")
                .add("x-multi", "two")
                .add("X-MULTI", "three");
        assertEquals("a", h.get("HOST"));
        assertEquals("one", h.get("x-multi"), "the first value, trimmed");
        assertEquals(List.of("one", "two", "three"), h.all("X-multi"));
        assertEquals(3, h.count("X-MULTI"));
        assertEquals(0, h.count("Absent"));
        assertNull(h.get("Absent"));
        assertTrue(h.all("Absent").isEmpty());
        assertEquals(List.of("host", "x-multi"), h.names());
        assertEquals("{host=[a], x-multi=[one, two, three]}", h.toString());
        assertThrows(UnsupportedOperationException.class, () -> h.all("x-multi").add("four"));
    }

    @Test
    void listElementsAreTrimmedAndEmptyOnesDropped() {
        HttpHeaders h = new HttpHeaders()
                .add("Connection", " ,keep-alive ,\t, Upgrade\t,")
                .add("connection", "")
                .add("Connection", ",,close");
        assertEquals(List.of("keep-alive", "Upgrade", "close"), h.tokens("CONNECTION"));
        assertTrue(h.containsToken("connection", "upgrade"));
        assertTrue(h.containsToken("Connection", "KEEP-ALIVE"));
        assertTrue(h.containsToken("Connection", "close"), "found in a later occurrence of the field");
        assertFalse(h.containsToken("Connection", "upgrad"), "a prefix is not the token");
        assertFalse(h.containsToken("Connection", "Upgrade, close"), "one element at a time");
        assertFalse(h.containsToken("Connection", ""), "empty elements are not tokens");
        assertFalse(h.containsToken("Upgrade", "websocket"), "absent field");
        assertTrue(h.tokens("Upgrade").isEmpty());
    }

    @Test
    void manyFieldsAreKept() {
        HttpHeaders h = new HttpHeaders();
        for (int i = 0; i < 100; i++) {
            h.add("X-" + i, "v" + i);
        }
        for (int i = 0; i < 100; i++) {
            assertEquals("v" + i, h.get("x-" + i));
        }
        assertEquals(100, h.names().size());
    }
}
