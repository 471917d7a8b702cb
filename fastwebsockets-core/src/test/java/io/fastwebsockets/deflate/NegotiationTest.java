package io.fastwebsockets.deflate;

import io.fastwebsockets.internal.deflate.ExtensionHeader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.Role;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 7692 §5 and §7.1: which offers a server accepts, what it answers, and what a client accepts. */
class NegotiationTest {
    private static final PerMessageDeflate DEFAULTS = PerMessageDeflate.defaults();

    private static PerMessageDeflate.Agreement serverChoice(PerMessageDeflate settings, String... header) {
        return settings.negotiate(List.of(header));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        permessage-deflate                                                 | permessage-deflate
        permessage-deflate; client_max_window_bits                         | permessage-deflate
        permessage-deflate; client_max_window_bits=10                      | permessage-deflate
        permessage-deflate; client_max_window_bits="8"                     | permessage-deflate
        permessage-deflate; server_max_window_bits=15                      | permessage-deflate; server_max_window_bits=15
        permessage-deflate; server_no_context_takeover                     | permessage-deflate; server_no_context_takeover
        permessage-deflate; client_no_context_takeover                     | permessage-deflate; client_no_context_takeover
        PerMessage-Deflate; Server_No_Context_Takeover                     | permessage-deflate; server_no_context_takeover
        permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15; client_max_window_bits=15 | permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15
        """)
    void acceptsWhatItCanHonourAndAnswersAsTheRfcRequires(String offer, String response) {
        PerMessageDeflate.Agreement a = serverChoice(DEFAULTS, offer);
        assertNotNull(a, offer);
        assertEquals(response, a.responseHeaderValue());
        // The answer is one our own client (offering the same) accepts.
        assertNotNull(PerMessageDeflate.defaults().acceptResponse(List.of(a.responseHeaderValue())));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "permessage-deflate; server_max_window_bits=14", // a smaller window than the JDK's Deflater can use
        "permessage-deflate; server_max_window_bits=8",
        "permessage-deflate; server_max_window_bits", // needs a value in an offer
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=015", // leading zero
        "permessage-deflate; server_max_window_bits=+15",
        "permessage-deflate; client_max_window_bits=16",
        "permessage-deflate; client_max_window_bits=7",
        "permessage-deflate; client_max_window_bits=abc",
        "permessage-deflate; client_no_context_takeover=1", // takes no value
        "permessage-deflate; server_no_context_takeover=true",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover", // duplicate
        "permessage-deflate; client_max_window_bits; client_max_window_bits=10", // duplicate, one with a value
        "permessage-deflate; mystery", // unknown parameter
        "x-webkit-deflate-frame", // another extension only
    })
    void declinesWhatItCannotHonourOrIsInvalid(String offer) {
        assertNull(serverChoice(DEFAULTS, offer), offer);
        ExtensionHeader.Extension e = ExtensionHeader.parse(offer).get(0);
        if (e.name().equals(PerMessageDeflate.NAME)) {
            assertNotNull(DEFAULTS.declineReason(e), "a reason is given for declining " + offer);
        }
    }

    @Test
    void picksTheFirstAcceptableOfferInTheClientsOrder() {
        PerMessageDeflate.Agreement a = serverChoice(DEFAULTS,
                "x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=10, "
                        + "permessage-deflate; foo, permessage-deflate; client_no_context_takeover",
                "permessage-deflate");
        assertNotNull(a);
        assertTrue(a.clientNoContextTakeover(), "the third permessage-deflate offer is the first acceptable one");
        assertFalse(a.serverNoContextTakeover());
    }

    @Test
    void syntaxErrorsAreNotDeclinedButRefused() {
        assertThrows(IllegalArgumentException.class, () -> serverChoice(DEFAULTS, "permessage-deflate; ;"));
    }

    @Test
    void noOfferMeansNoCompression() {
        assertNull(DEFAULTS.negotiate(List.of()));
    }

    @Test
    void serverSettingsAddNoContextTakeoverToEveryAnswer() {
        PerMessageDeflate s = PerMessageDeflate.builder().serverNoContextTakeover(true).clientNoContextTakeover(true)
                .build();
        PerMessageDeflate.Agreement a = serverChoice(s, "permessage-deflate");
        assertEquals("permessage-deflate; server_no_context_takeover; client_no_context_takeover",
                a.responseHeaderValue());
        assertTrue(a.noContextTakeoverWhenSending(Role.SERVER));
        assertTrue(a.noContextTakeoverWhenReceiving(Role.SERVER));
    }

    @Test
    void agreementSaysWhichSideResets() {
        PerMessageDeflate.Agreement a = serverChoice(DEFAULTS, "permessage-deflate; server_no_context_takeover");
        assertTrue(a.noContextTakeoverWhenSending(Role.SERVER));
        assertFalse(a.noContextTakeoverWhenReceiving(Role.SERVER));
        assertFalse(a.noContextTakeoverWhenSending(Role.CLIENT));
        assertTrue(a.noContextTakeoverWhenReceiving(Role.CLIENT));
    }

    // ------------------------------------------------------------------------------------------------ client side

    @Test
    void clientOfferNeverIncludesClientMaxWindowBits() {
        assertEquals("permessage-deflate", DEFAULTS.offer());
        assertEquals("permessage-deflate; server_no_context_takeover; client_no_context_takeover",
                PerMessageDeflate.builder().serverNoContextTakeover(true).clientNoContextTakeover(true).build().offer());
        assertFalse(PerMessageDeflate.builder().build().offer().contains("max_window_bits"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        permessage-deflate                                          | false | false | 0
        permessage-deflate; server_no_context_takeover              | true  | false | 0
        permessage-deflate; client_no_context_takeover              | false | true  | 0
        permessage-deflate; server_max_window_bits=10               | false | false | 10
        permessage-deflate; server_max_window_bits=8                | false | false | 8
        permessage-deflate;server_max_window_bits="15"              | false | false | 15
        """)
    void clientAcceptsValidResponses(String response, boolean serverNoTakeover, boolean clientNoTakeover,
            int serverBits) {
        PerMessageDeflate.Agreement a = DEFAULTS.acceptResponse(List.of(response));
        assertNotNull(a);
        assertEquals(serverNoTakeover, a.serverNoContextTakeover());
        assertEquals(clientNoTakeover, a.clientNoContextTakeover());
        assertEquals(serverBits, a.serverMaxWindowBits());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "permessage-deflate; client_max_window_bits=15", // not offered
        "permessage-deflate; client_max_window_bits",
        "permessage-deflate; server_max_window_bits", // needs a value
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; foo",
        "permessage-deflate, permessage-deflate", // two answers to one offer
        "x-webkit-deflate-frame", // not offered
        "permessage-deflate; ;", // syntax
    })
    void clientRejectsInvalidResponses(String response) {
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.acceptResponse(List.of(response)));
    }

    @Test
    void clientRejectsAnAnswerIgnoringItsServerNoContextTakeoverRequest() {
        PerMessageDeflate asks = PerMessageDeflate.builder().serverNoContextTakeover(true).build();
        assertThrows(IllegalArgumentException.class, () -> asks.acceptResponse(List.of("permessage-deflate")));
        assertTrue(asks.acceptResponse(List.of("permessage-deflate; server_no_context_takeover"))
                .serverNoContextTakeover());
    }

    @Test
    void clientThatAnnouncedNoContextTakeoverKeepsToItWhateverTheAnswer() {
        PerMessageDeflate announces = PerMessageDeflate.builder().clientNoContextTakeover(true).build();
        assertTrue(announces.acceptResponse(List.of("permessage-deflate")).noContextTakeoverWhenSending(Role.CLIENT));
    }

    @Test
    void aDeclinedOfferMeansNoCompression() {
        assertNull(DEFAULTS.acceptResponse(List.of()));
    }

    @Test
    void builderRejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> PerMessageDeflate.builder().level(10));
        assertThrows(IllegalArgumentException.class, () -> PerMessageDeflate.builder().level(-1));
        assertThrows(IllegalArgumentException.class, () -> PerMessageDeflate.builder().threshold(-1));
    }
}
