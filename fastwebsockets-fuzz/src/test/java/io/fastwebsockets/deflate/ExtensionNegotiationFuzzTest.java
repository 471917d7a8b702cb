package io.fastwebsockets.deflate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.fastwebsockets.Role;
import io.fastwebsockets.internal.deflate.ExtensionHeader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code Sec-WebSocket-Extensions} parsing and permessage-deflate negotiation on any header values. Input layout:
 * the bytes as ISO-8859-1 text, split at {@code '\n'} into the values of one header line each.
 *
 * <ul>
 *   <li>{@link ExtensionHeader#parse} returns or throws {@link IllegalArgumentException}, nothing else; what it
 *       returns prints ({@code toString}) to a value that parses to the same extensions;</li>
 *   <li>{@link PerMessageDeflate#negotiate} (four server settings) throws exactly when the parse does, and
 *       otherwise picks what {@link #refDecline}, an independent reading of RFC 7692 §7.1 written here, picks: the
 *       first permessage-deflate offer it does not decline, with the parameters it expects; {@code declineReason}
 *       agrees offer by offer;</li>
 *   <li>an agreement's response re-parses, and a client whose offer asked for what the accepted offer asked for
 *       accepts it ({@code acceptResponse}) with the same parameters, each side's view of who resets its context
 *       matching the other's;</li>
 *   <li>the same values read as a server's response by clients of four settings: {@code acceptResponse} returns
 *       or throws {@link IllegalArgumentException}, and accepts exactly what {@link #refClientRejects} accepts.</li>
 * </ul>
 */
class ExtensionNegotiationFuzzTest {
    private static final List<PerMessageDeflate> SETTINGS = List.of(
            PerMessageDeflate.defaults(),
            PerMessageDeflate.builder().serverNoContextTakeover(true).build(),
            PerMessageDeflate.builder().clientNoContextTakeover(true).build(),
            PerMessageDeflate.builder().serverNoContextTakeover(true).clientNoContextTakeover(true).level(1).build(),
            PerMessageDeflate.builder().windowBits(15).build(),
            PerMessageDeflate.builder().windowBits(9).maxPeerWindowBits(12).build(),
            PerMessageDeflate.builder().windowBits(12).maxPeerWindowBits(8).clientNoContextTakeover(true).build());

    @FuzzTest(maxDuration = "15s")
    void negotiate(byte[] data) {
        List<String> values = Arrays.asList(new String(data, StandardCharsets.ISO_8859_1).split("\n", -1));
        List<ExtensionHeader.Extension> parsed;
        try {
            parsed = ExtensionHeader.parse(values);
        } catch (IllegalArgumentException e) {
            parsed = null;
        }
        if (parsed != null) {
            for (ExtensionHeader.Extension e : parsed) {
                assertTrue(ExtensionHeader.isToken(e.name()), "extension name is a token: " + e.name());
                for (ExtensionHeader.Param p : e.params()) {
                    assertTrue(ExtensionHeader.isToken(p.name()), "parameter name is a token");
                    assertTrue(p.value() == null || ExtensionHeader.isToken(p.value()), "value is a token");
                }
            }
            List<String> printed = parsed.stream().map(ExtensionHeader.Extension::toString).toList();
            assertEquals(parsed, ExtensionHeader.parse(String.join(", ", printed)), "printed form re-parses");
        }
        for (PerMessageDeflate server : SETTINGS) {
            serverSide(server, values, parsed);
            clientSide(server, values, parsed);
        }
    }

    private static void serverSide(PerMessageDeflate server, List<String> values,
            List<ExtensionHeader.Extension> parsed) {
        PerMessageDeflate.Agreement got;
        try {
            got = server.negotiate(values);
        } catch (IllegalArgumentException e) {
            assertNull(parsed, "negotiate threw (" + e.getMessage() + ") but the header parses");
            return;
        }
        assertNotNull(parsed, "negotiate accepted a header that does not parse: " + values);
        ExtensionHeader.Extension chosen = null;
        for (ExtensionHeader.Extension e : parsed) {
            if (!e.name().equalsIgnoreCase(PerMessageDeflate.NAME)) {
                continue;
            }
            String ref = refDecline(e);
            String ours = server.declineReason(e);
            assertEquals(ref == null, ours == null, () -> "offer " + e + ": reference says " + ref + ", ours " + ours);
            if (ref == null && chosen == null) {
                chosen = e;
            }
        }
        if (chosen == null) {
            assertNull(got, "no acceptable offer in " + values + ", yet agreed " + got);
            return;
        }
        assertNotNull(got, "declined every offer although " + chosen + " is acceptable");
        Map<String, String> p = params(chosen);
        boolean serverNo = server.serverNoContextTakeover() || p.containsKey("server_no_context_takeover");
        boolean clientNo = server.clientNoContextTakeover() || p.containsKey("client_no_context_takeover");
        assertEquals(serverNo, got.serverNoContextTakeover(), "server_no_context_takeover of " + chosen);
        assertEquals(clientNo, got.clientNoContextTakeover(), "client_no_context_takeover of " + chosen);
        // server_max_window_bits: answered (only when offered) with the window the server uses, no more than asked:
        // its own while it keeps its context, the whole window asked for otherwise (a pooled compressor).
        String asked = p.get("server_max_window_bits");
        int expectServer = asked == null ? 0 : Math.min(Integer.parseInt(asked), serverNo ? 15 : server.windowBits());
        assertEquals(expectServer, got.serverMaxWindowBits(), "server_max_window_bits answered for " + chosen);
        // client_max_window_bits: asked of a client that offered it, when the server keeps its context, no more than
        // the client offered; stated only below 15.
        String offered = p.get("client_max_window_bits");
        int expectClient = 0;
        if (offered != null) {
            int limit = offered.isEmpty() ? 15 : Integer.parseInt(offered);
            int want = clientNo ? 15 : server.maxPeerWindowBits() != 0 ? server.maxPeerWindowBits()
                    : server.windowBits();
            expectClient = Math.min(limit, want) < 15 ? Math.min(limit, want) : 0;
        }
        assertEquals(expectClient, got.clientMaxWindowBits(), "client_max_window_bits answered for " + chosen);
        assertTrue(got.windowBitsWhenSending(Role.SERVER) <= (asked == null ? 15 : Integer.parseInt(asked)),
                "the server never uses a larger window than asked");
        assertEquals(server, got.settings());

        String response = got.responseHeaderValue();
        List<ExtensionHeader.Extension> again = ExtensionHeader.parse(response);
        assertEquals(1, again.size(), response);
        assertEquals(PerMessageDeflate.NAME, again.get(0).name());
        // A client that offered what the chosen offer asked for.
        PerMessageDeflate.Builder cb = PerMessageDeflate.builder()
                .serverNoContextTakeover(p.containsKey("server_no_context_takeover"))
                .clientNoContextTakeover(p.containsKey("client_no_context_takeover"))
                .windowBits(offered == null || offered.isEmpty() ? 15 : Integer.parseInt(offered));
        if (asked != null) {
            cb.maxPeerWindowBits(Integer.parseInt(asked));
        }
        PerMessageDeflate client = cb.build();
        PerMessageDeflate.Agreement seen = client.acceptResponse(List.of(response));
        assertNotNull(seen, "the client accepts " + response);
        assertEquals(got.serverNoContextTakeover(), seen.serverNoContextTakeover(), response);
        assertEquals(got.clientNoContextTakeover(), seen.clientNoContextTakeover(), response);
        assertEquals(got.serverMaxWindowBits(), seen.serverMaxWindowBits(), response);
        assertEquals(got.clientMaxWindowBits(), seen.clientMaxWindowBits(), response);
        assertEquals(got.windowBitsWhenReceiving(Role.SERVER) >= seen.windowBitsWhenSending(Role.CLIENT), true,
                "the client compresses within what the server reads: " + response);
        assertTrue(seen.windowBitsWhenReceiving(Role.CLIENT) >= got.windowBitsWhenSending(Role.SERVER),
                "the server compresses within what the client reads: " + response);
        assertEquals(got.noContextTakeoverWhenSending(Role.SERVER), seen.noContextTakeoverWhenReceiving(Role.CLIENT));
        assertEquals(got.noContextTakeoverWhenReceiving(Role.SERVER), seen.noContextTakeoverWhenSending(Role.CLIENT));
    }

    private static void clientSide(PerMessageDeflate client, List<String> values,
            List<ExtensionHeader.Extension> parsed) {
        PerMessageDeflate.Agreement got;
        String threw = null;
        try {
            got = client.acceptResponse(values);
        } catch (IllegalArgumentException e) {
            got = null;
            threw = e.getMessage();
        }
        if (parsed == null) {
            assertNotNull(threw, "the client accepted an unparsable response " + values);
            return;
        }
        String ref = refClientRejects(client, parsed);
        if (ref != null) {
            assertNotNull(threw, "the client accepted " + values + " which the reference rejects: " + ref);
            return;
        }
        if (threw != null) {
            fail("the client rejected " + values + " (" + threw + ") which the reference accepts");
        }
        if (parsed.isEmpty()) {
            assertNull(got, "no extension in the response: declined");
            return;
        }
        assertNotNull(got);
        Map<String, String> p = params(parsed.get(0));
        assertEquals(p.containsKey("server_no_context_takeover"), got.serverNoContextTakeover());
        assertEquals(client.clientNoContextTakeover() || p.containsKey("client_no_context_takeover"),
                got.clientNoContextTakeover());
        String bits = p.get("server_max_window_bits");
        assertEquals(bits == null ? 0 : Integer.parseInt(bits), got.serverMaxWindowBits());
        String cbits = p.get("client_max_window_bits");
        assertEquals(cbits == null ? 0 : Integer.parseInt(cbits), got.clientMaxWindowBits());
        assertTrue(got.windowBitsWhenSending(Role.CLIENT) <= (cbits == null ? 15 : Integer.parseInt(cbits)),
                "the client keeps to the window answered");
    }

    // ------------------------------------------------------------------------------------------------ reference

    // Parameter names lower-cased to their values ("" for none); null if a name repeats.
    private static Map<String, String> params(ExtensionHeader.Extension e) {
        Map<String, String> m = new TreeMap<>();
        for (ExtensionHeader.Param p : e.params()) {
            if (m.put(p.name().toLowerCase(Locale.ROOT), p.value() == null ? "" : p.value()) != null) {
                return null;
            }
        }
        return m;
    }

    // RFC 7692 §7.1.2.1/2: a decimal integer from 8 to 15 without leading zeros.
    private static boolean bitsValue(String v) {
        return v.matches("[89]|1[0-5]");
    }

    /**
     * RFC 7692 §7.1: why a server that can use every window must decline an offer, or null. The four parameters,
     * each at most once (§7.1: decline on a repeated or unknown parameter or a bad value); the context takeover ones
     * without a value (§7.1.1); server_max_window_bits with a value 8-15 (§7.1.2.1); client_max_window_bits with
     * no value or 8-15 (§7.1.2.2).
     */
    static String refDecline(ExtensionHeader.Extension offer) {
        Map<String, String> p = params(offer);
        if (p == null) {
            return "repeated parameter";
        }
        List<String> known = new ArrayList<>(List.of("server_no_context_takeover", "client_no_context_takeover",
                "server_max_window_bits", "client_max_window_bits"));
        for (Map.Entry<String, String> e : p.entrySet()) {
            if (!known.contains(e.getKey())) {
                return "unknown " + e.getKey();
            }
            String v = e.getValue();
            switch (e.getKey()) {
                case "server_no_context_takeover", "client_no_context_takeover" -> {
                    if (!v.isEmpty()) {
                        return "value on " + e.getKey();
                    }
                }
                case "server_max_window_bits" -> {
                    if (!bitsValue(v)) {
                        return "bad server_max_window_bits";
                    }
                }
                default -> { // client_max_window_bits
                    if (!v.isEmpty() && !bitsValue(v)) {
                        return "bad client_max_window_bits";
                    }
                }
            }
        }
        return null;
    }

    /**
     * RFC 7692 §7.1 from the client's side, for a client that offered {@code client.offer()} (always
     * client_max_window_bits without a value; server_max_window_bits when it set maxPeerWindowBits below 15): why it must fail the connection on this response, or null. No extension: declined (fine). Otherwise
     * exactly one, permessage-deflate, with parameters from the four, each once, context takeover ones without a
     * value, server_max_window_bits 8-15 and no more than asked (and present if asked, §7.1.2.1),
     * client_max_window_bits with a value 8-15 no more than offered (§7.1.2.2), and server_no_context_takeover
     * present if the offer asked for it (§7.1.1.1).
     */
    static String refClientRejects(PerMessageDeflate client, List<ExtensionHeader.Extension> response) {
        if (response.isEmpty()) {
            return null;
        }
        if (response.size() != 1 || !response.get(0).name().equalsIgnoreCase(PerMessageDeflate.NAME)) {
            return "not exactly permessage-deflate";
        }
        Map<String, String> p = params(response.get(0));
        if (p == null) {
            return "repeated parameter";
        }
        int asked = client.maxPeerWindowBits() == 0 ? 15 : client.maxPeerWindowBits();
        int offered = 15; // the offer has client_max_window_bits without a value
        for (Map.Entry<String, String> e : p.entrySet()) {
            String v = e.getValue();
            switch (e.getKey()) {
                case "server_no_context_takeover", "client_no_context_takeover" -> {
                    if (!v.isEmpty()) {
                        return "value on " + e.getKey();
                    }
                }
                case "server_max_window_bits" -> {
                    if (!bitsValue(v)) {
                        return "bad server_max_window_bits";
                    }
                    if (asked < 15 && Integer.parseInt(v) > asked) {
                        return "server_max_window_bits above the " + asked + " asked";
                    }
                }
                case "client_max_window_bits" -> {
                    if (!bitsValue(v)) {
                        return "client_max_window_bits without a value 8-15";
                    }
                    if (Integer.parseInt(v) > offered) {
                        return "client_max_window_bits above the " + offered + " offered";
                    }
                }
                default -> {
                    return "unexpected " + e.getKey();
                }
            }
        }
        if (client.serverNoContextTakeover() && !p.containsKey("server_no_context_takeover")) {
            return "server_no_context_takeover was asked for";
        }
        if (asked < 15 && !p.containsKey("server_max_window_bits")) {
            return "server_max_window_bits was asked for";
        }
        return null;
    }
}
