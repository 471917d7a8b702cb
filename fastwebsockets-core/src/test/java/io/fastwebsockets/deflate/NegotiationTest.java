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
    // The JDK Deflater's window and memory level, so that these expectations hold with or without native zlib (the
    // defaults depend on it; the window tests below set their windows).
    private static final PerMessageDeflate DEFAULTS = PerMessageDeflate.builder().windowBits(15).memLevel(8).build();

    private static PerMessageDeflate.Agreement serverChoice(PerMessageDeflate settings, String... header) {
        return settings.negotiate(List.of(header));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        permessage-deflate                                                 | permessage-deflate
        permessage-deflate; client_max_window_bits                         | permessage-deflate
        permessage-deflate; client_max_window_bits=10                      | permessage-deflate; client_max_window_bits=10
        permessage-deflate; client_max_window_bits="8"                     | permessage-deflate; client_max_window_bits=8
        permessage-deflate; client_no_context_takeover; client_max_window_bits | permessage-deflate; client_no_context_takeover
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

    @Test
    void equalAgreementsOfOneServerAreOneObject() {
        // Every connection keeps its agreement for life: a server whose clients offer alike keeps one, not one each.
        PerMessageDeflate settings = PerMessageDeflate.builder().windowBits(15).memLevel(8).build();
        String offer = "permessage-deflate; client_no_context_takeover; server_no_context_takeover";
        PerMessageDeflate.Agreement first = serverChoice(settings, offer);
        assertTrue(first == serverChoice(settings, offer), "an equal agreement made again");
        // A different offer gets its own agreement, with its own terms; the same offer again then gets an equal one.
        PerMessageDeflate.Agreement other = serverChoice(settings, "permessage-deflate; client_max_window_bits=10");
        assertEquals("permessage-deflate; client_max_window_bits=10", other.responseHeaderValue());
        assertFalse(other.equals(first));
        assertEquals(first, serverChoice(settings, offer));
        assertEquals("permessage-deflate; server_no_context_takeover; client_no_context_takeover",
                serverChoice(settings, offer).responseHeaderValue());
        // Another server's settings never share it.
        assertFalse(first == serverChoice(PerMessageDeflate.builder().windowBits(15).memLevel(8).build(), offer));
    }

    @ParameterizedTest
    @ValueSource(strings = {
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
                "x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=1, "
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
    void clientOfferAlwaysLetsTheServerChooseTheClientsWindow() {
        assertEquals("permessage-deflate; client_max_window_bits", DEFAULTS.offer());
        assertEquals("permessage-deflate; server_no_context_takeover; client_no_context_takeover;"
                + " client_max_window_bits", PerMessageDeflate.builder().windowBits(10).serverNoContextTakeover(true)
                .clientNoContextTakeover(true).build().offer(), "a pooled compressor may use the whole window");
        // Without a value, as browsers send it: servers of an older draft refuse a value with 400.
        assertEquals("permessage-deflate; client_max_window_bits",
                PerMessageDeflate.builder().windowBits(10).build().offer());
        assertEquals("permessage-deflate; server_max_window_bits=9; client_max_window_bits",
                PerMessageDeflate.builder().windowBits(12).maxPeerWindowBits(9).build().offer());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        permessage-deflate                                          | false | false | 0
        permessage-deflate; server_no_context_takeover              | true  | false | 0
        permessage-deflate; client_no_context_takeover              | false | true  | 0
        permessage-deflate; server_max_window_bits=10               | false | false | 10
        permessage-deflate; server_max_window_bits=8                | false | false | 8
        permessage-deflate;server_max_window_bits="15"              | false | false | 15
        permessage-deflate; client_max_window_bits=15               | false | false | 0
        permessage-deflate; client_max_window_bits=9                | false | false | 0
        """)
    void clientAcceptsValidResponses(String response, boolean serverNoTakeover, boolean clientNoTakeover,
            int serverBits) {
        PerMessageDeflate.Agreement a = DEFAULTS.acceptResponse(List.of(response));
        assertNotNull(a);
        assertEquals(serverNoTakeover, a.serverNoContextTakeover());
        assertEquals(clientNoTakeover, a.clientNoContextTakeover());
        assertEquals(serverBits, a.serverMaxWindowBits());
        assertEquals(serverBits == 0 ? 15 : serverBits, a.windowBitsWhenReceiving(Role.CLIENT));
    }

    // ------------------------------------------------------------------------------------------------ every window

    @ParameterizedTest
    @ValueSource(ints = {8, 9, 10, 11, 12, 13, 14, 15})
    void serverAcceptsEveryServerWindowAndKeepsToIt(int bits) {
        for (int ours : new int[] {8, 11, 15}) {
            PerMessageDeflate s = PerMessageDeflate.builder().windowBits(ours).build();
            PerMessageDeflate.Agreement a = serverChoice(s, "permessage-deflate; server_max_window_bits=" + bits);
            assertNotNull(a, "server_max_window_bits=" + bits + " is accepted");
            int used = Math.min(bits, ours);
            assertEquals("permessage-deflate; server_max_window_bits=" + used, a.responseHeaderValue(),
                    "the answer states the window used, no larger than asked");
            assertEquals(used, a.windowBitsWhenSending(Role.SERVER));
            // Our client, having asked for that window, takes the answer and reads with it.
            PerMessageDeflate client = PerMessageDeflate.builder().maxPeerWindowBits(bits).build();
            assertTrue(client.offer().contains("server_max_window_bits=" + bits) || bits == 15, client.offer());
            assertEquals(used, client.acceptResponse(List.of(a.responseHeaderValue()))
                    .windowBitsWhenReceiving(Role.CLIENT));
        }
        // Without context takeover the server compresses from the pool, with the whole window asked for.
        PerMessageDeflate.Agreement pooled = serverChoice(PerMessageDeflate.builder().windowBits(9).build(),
                "permessage-deflate; server_no_context_takeover; server_max_window_bits=" + bits);
        assertEquals(bits, pooled.windowBitsWhenSending(Role.SERVER));
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 9, 10, 11, 12, 13, 14, 15})
    void clientOffersClientMaxWindowBitsAndKeepsToEveryAnswer(int bits) {
        PerMessageDeflate client = PerMessageDeflate.builder().windowBits(15).build();
        assertTrue(client.offer().endsWith("; client_max_window_bits"), client.offer());
        PerMessageDeflate.Agreement a = client.acceptResponse(
                List.of("permessage-deflate; client_max_window_bits=" + bits));
        assertEquals(bits, a.windowBitsWhenSending(Role.CLIENT), "the client compresses within the answer");
        // A client with a smaller window of its own keeps to the smaller of the two.
        PerMessageDeflate small = PerMessageDeflate.builder().windowBits(10).build();
        assertEquals(Math.min(bits, 10), small.acceptResponse(
                List.of("permessage-deflate; client_max_window_bits=" + bits)).windowBitsWhenSending(Role.CLIENT));
        assertEquals(10, small.acceptResponse(List.of("permessage-deflate")).windowBitsWhenSending(Role.CLIENT));
        // Our server, asked with the bare parameter, answers with its wanted window, which our client takes.
        PerMessageDeflate server = PerMessageDeflate.builder().windowBits(15).maxPeerWindowBits(bits).build();
        PerMessageDeflate.Agreement s = serverChoice(server, client.offer());
        assertEquals(bits, s.windowBitsWhenReceiving(Role.SERVER));
        assertEquals(bits, client.acceptResponse(List.of(s.responseHeaderValue())).windowBitsWhenSending(Role.CLIENT));
    }

    @Test
    void serverAsksForItsOwnWindowFromAClientThatLetsIt() {
        PerMessageDeflate s = PerMessageDeflate.builder().windowBits(11).build();
        assertEquals("permessage-deflate; client_max_window_bits=11",
                serverChoice(s, "permessage-deflate; client_max_window_bits").responseHeaderValue());
        assertEquals("permessage-deflate; client_max_window_bits=9",
                serverChoice(s, "permessage-deflate; client_max_window_bits=9").responseHeaderValue(),
                "never more than the client offered");
        assertEquals("permessage-deflate", serverChoice(s, "permessage-deflate").responseHeaderValue(),
                "a client that did not offer client_max_window_bits is never sent it");
        assertEquals(15, serverChoice(s, "permessage-deflate").windowBitsWhenReceiving(Role.SERVER));
    }

    @Test
    void clientRejectsAServerWindowLargerThanAskedOrNotStated() {
        PerMessageDeflate asks = PerMessageDeflate.builder().maxPeerWindowBits(10).build();
        assertThrows(IllegalArgumentException.class,
                () -> asks.acceptResponse(List.of("permessage-deflate; server_max_window_bits=11")));
        assertThrows(IllegalArgumentException.class, () -> asks.acceptResponse(List.of("permessage-deflate")));
        assertEquals(9, asks.acceptResponse(List.of("permessage-deflate; server_max_window_bits=9"))
                .windowBitsWhenReceiving(Role.CLIENT));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "permessage-deflate; client_max_window_bits", // needs a value in a response
        "permessage-deflate; client_max_window_bits=16",
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
        assertThrows(IllegalArgumentException.class, () -> PerMessageDeflate.builder().windowBits(7));
        assertThrows(IllegalArgumentException.class, () -> PerMessageDeflate.builder().windowBits(16));
        assertThrows(IllegalArgumentException.class, () -> PerMessageDeflate.builder().maxPeerWindowBits(16));
        assertThrows(IllegalArgumentException.class, () -> PerMessageDeflate.builder().memLevel(0));
        assertThrows(IllegalArgumentException.class, () -> PerMessageDeflate.builder().memLevel(10));
    }
}
