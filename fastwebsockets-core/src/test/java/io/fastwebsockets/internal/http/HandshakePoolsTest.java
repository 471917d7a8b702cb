package io.fastwebsockets.internal.http;

import io.fastwebsockets.upgrade.ServerHandshake;


import static io.fastwebsockets.testkit.RawHttp.SAMPLE_ACCEPT;
import static io.fastwebsockets.testkit.RawHttp.SAMPLE_KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The handshake's reusable objects: bounded pools, and digests that give the same answer however shared. */
@Timeout(60)
class HandshakePoolsTest {
    @Test
    void aBoundedPoolHandsBackWhatItWasGivenAndKeepsNoMoreThanItsBound() {
        int[] made = {0};
        BoundedPool<Object> pool = new BoundedPool<>(3, () -> {
            made[0]++;
            return new Object();
        });
        Object a = pool.take();
        assertEquals(1, made[0]);
        pool.giveBack(a);
        assertSame(a, pool.take(), "reused");
        assertEquals(1, made[0]);
        for (int i = 0; i < 10; i++) {
            pool.giveBack(new Object());
        }
        assertEquals(3, pool.size(), "bounded");
    }

    @Test
    void theHeadBufferPoolIsBounded() {
        List<byte[]> taken = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            taken.add(ServerUpgrader.HEAD_BUFFERS.take());
        }
        for (byte[] b : taken) {
            ServerUpgrader.HEAD_BUFFERS.giveBack(b);
        }
        assertTrue(ServerUpgrader.HEAD_BUFFERS.size() <= 64, "at most 64 kept: " + ServerUpgrader.HEAD_BUFFERS.size());
    }

    @Test
    void acceptKeysAreRightWhenComputedOverAndOverFromManyThreads() throws Exception {
        assertEquals(SAMPLE_ACCEPT, ServerHandshake.acceptKey(SAMPLE_KEY));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                results.add(pool.submit(() -> {
                    int checked = 0;
                    for (int i = 0; i < 2000; i++) {
                        byte[] raw = new byte[16];
                        new java.util.Random(seed * 100_000L + i).nextBytes(raw);
                        String key = Base64.getEncoder().encodeToString(raw);
                        MessageDigest fresh = MessageDigest.getInstance("SHA-1");
                        String expected = Base64.getEncoder().encodeToString(fresh.digest(
                                (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes("ISO-8859-1")));
                        assertEquals(expected, ServerHandshake.acceptKey(key));
                        checked++;
                    }
                    return checked;
                }));
            }
            for (Future<Integer> f : results) {
                assertEquals(2000, f.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
