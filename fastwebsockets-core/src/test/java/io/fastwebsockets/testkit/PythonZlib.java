package io.fastwebsockets.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * An independent raw-DEFLATE reader: CPython's {@code zlib.decompressobj(-windowBits)} (zlib's inflate with a window
 * of that size), run by {@code /usr/bin/python3} or the {@code python3} on the PATH. A back-reference further than
 * {@code 1 << windowBits} bytes makes it fail ("invalid distance too far back"). Python 3 is one of the peers a
 * fresh machine has (see DEVELOPERS.md); without it the tests that use this fail, they never skip.
 */
public final class PythonZlib {
    private static final String SCRIPT = String.join("\n",
            "import sys, zlib",
            "d = zlib.decompressobj(-int(sys.argv[1]))",
            "try:",
            "    out = d.decompress(sys.stdin.buffer.read())",
            "except zlib.error as e:",
            "    sys.stderr.write('zlib.error: %s' % e)",
            "    sys.exit(3)",
            "sys.stdout.buffer.write(out)");

    private PythonZlib() {
    }

    private static String python() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    /**
     * Inflates a raw DEFLATE stream with the given window.
     *
     * @param windowBits 8 to 15
     * @param stream the stream (for permessage-deflate: each message's payload followed by {@code 00 00 FF FF})
     * @return the inflated bytes
     * @throws IllegalStateException with zlib's message if it cannot be inflated with that window
     * @throws IOException if Python cannot be run
     */
    public static byte[] inflate(int windowBits, byte[] stream) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(python(), "-c", SCRIPT, Integer.toString(windowBits)).start();
        Thread writer = Thread.ofVirtual().start(() -> {
            try (var in = p.getOutputStream()) {
                in.write(stream);
            } catch (IOException ignored) {
                // the process failed early; its exit status says why
            }
        });
        byte[] out;
        byte[] err;
        try (InputStream o = p.getInputStream(); InputStream e = p.getErrorStream()) {
            ByteArrayOutputStream collected = new ByteArrayOutputStream();
            o.transferTo(collected);
            out = collected.toByteArray();
            err = e.readAllBytes();
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("python3 did not finish");
        }
        writer.join();
        if (p.exitValue() != 0) {
            throw new IllegalStateException(new String(err, StandardCharsets.UTF_8).trim());
        }
        return out;
    }
}
