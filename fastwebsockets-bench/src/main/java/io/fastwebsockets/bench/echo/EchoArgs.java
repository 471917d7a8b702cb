package io.fastwebsockets.bench.echo;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The command line every echo server shares: {@code --host H} (default 127.0.0.1), {@code --port P} (default 0,
 * an ephemeral port) and any server-specific {@code --name value} options it declares.
 */
final class EchoArgs {
    /** The largest message every server accepts and echoes (our server's default limit). */
    static final int MAX_MESSAGE = 64 << 20;

    final String host;
    final int port;
    private final Map<String, String> options;

    private EchoArgs(String host, int port, Map<String, String> options) {
        this.host = host;
        this.port = port;
        this.options = options;
    }

    /**
     * Parses {@code args}; an unknown option or a missing value prints the usage and exits with status 2.
     *
     * @param server the server's name, for the usage line
     * @param args the command line
     * @param extra the server-specific options it accepts (each takes a value)
     * @return the parsed arguments
     */
    static EchoArgs parse(String server, String[] args, String... extra) {
        Set<String> known = Set.of(extra);
        String host = "127.0.0.1";
        int port = 0;
        Map<String, String> options = new HashMap<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value after " + a);
                }
                String v = args[++i];
                switch (a) {
                    case "--host" -> host = v;
                    case "--port" -> port = Integer.parseInt(v);
                    default -> {
                        if (!a.startsWith("--") || !known.contains(a.substring(2))) {
                            throw new IllegalArgumentException("unknown option " + a);
                        }
                        options.put(a.substring(2), v);
                    }
                }
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
        } catch (IllegalArgumentException e) {
            StringBuilder usage = new StringBuilder("usage: " + server + " [--host H] [--port P]");
            for (String x : extra) {
                usage.append(" [--").append(x).append(" V]");
            }
            System.err.println(e.getMessage());
            System.err.println(usage);
            System.exit(2);
        }
        return new EchoArgs(host, port, options);
    }

    String option(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }

    int intOption(String name, int fallback) {
        String v = options.get(name);
        return v == null ? fallback : Integer.parseInt(v);
    }

    /** Prints the one line the harness waits for, after which the server accepts connections. */
    static void announce(int port) {
        System.out.println("LISTENING " + port);
        System.out.flush();
    }
}
