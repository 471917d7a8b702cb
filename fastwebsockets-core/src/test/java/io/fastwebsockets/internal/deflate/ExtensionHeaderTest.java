package io.fastwebsockets.internal.deflate;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ExtensionHeaderTest {
    @Test
    void parsesExtensionsParametersAndValuesInOrder() {
        List<ExtensionHeader.Extension> exts = ExtensionHeader.parse(
                "permessage-deflate; client_max_window_bits; server_max_window_bits=10 , x-foo;a=\"b\";c");
        assertEquals(2, exts.size());
        ExtensionHeader.Extension pmd = exts.get(0);
        assertEquals("permessage-deflate", pmd.name());
        assertEquals(List.of(new ExtensionHeader.Param("client_max_window_bits", null),
                new ExtensionHeader.Param("server_max_window_bits", "10")), pmd.params());
        assertEquals("x-foo", exts.get(1).name());
        assertEquals(List.of(new ExtensionHeader.Param("a", "b"), new ExtensionHeader.Param("c", null)),
                exts.get(1).params());
    }

    @Test
    void joinsSeveralHeaderLinesAndSkipsEmptyElements() {
        List<ExtensionHeader.Extension> exts = ExtensionHeader.parse(List.of(", permessage-deflate,,", "\tfoo ;\tbar = 1"));
        assertEquals(2, exts.size());
        assertEquals("permessage-deflate", exts.get(0).name());
        assertTrue(exts.get(0).params().isEmpty());
        assertEquals(new ExtensionHeader.Param("bar", "1"), exts.get(1).params().get(0));
        assertTrue(ExtensionHeader.parse(List.of("", "  ")).isEmpty());
    }

    @Test
    void quotedValuesAreUnescaped() {
        ExtensionHeader.Param p = ExtensionHeader.parse("e; bits=\"1\\5\"").get(0).params().get(0);
        assertEquals("15", p.value());
        assertNull(ExtensionHeader.parse("e; p").get(0).params().get(0).value());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "permessage-deflate;", // parameter missing after ';'
        "permessage-deflate; =1", // parameter name missing
        "permessage-deflate; a=", // value missing
        "permessage-deflate; a=\"unterminated",
        "permessage-deflate; a=\"two words\"", // quoted value is not a token
        "permessage-deflate; a=\"\"", // empty quoted value is not a token
        "permessage-deflate a", // two tokens without a separator
        "perm(essage", // not a token
        "; a", // no extension name
        "permessage-deflate; a=b=c",
        "permessage-deflate; a=\"x\\", // escape at the end
    })
    void rejectsInvalidSyntax(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExtensionHeader.parse(value));
        assertTrue(e.getMessage().contains("Sec-WebSocket-Extensions"), e.getMessage());
    }

    @Test
    void tokenRules() {
        assertTrue(ExtensionHeader.isToken("permessage-deflate"));
        assertTrue(ExtensionHeader.isToken("a!#$%&'*+-.^_`|~9"));
        assertFalse(ExtensionHeader.isToken(""));
        assertFalse(ExtensionHeader.isToken("a b"));
        assertFalse(ExtensionHeader.isToken("a\"b"));
        assertFalse(ExtensionHeader.isToken("a=b"));
    }
}
