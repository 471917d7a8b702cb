package io.fastwebsockets.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code fastws}: the command-line tools on the library's client role.
 *
 * <pre>
 * ./fastws connect &lt;ws-or-wss-url&gt; [-H 'Name: value']... [--subprotocol P] [--binary] [--raw] [--insecure]
 *                  [--deflate] [--ping-interval D]
 * ./fastws bench &lt;url&gt; [-c CONNECTIONS] [-s BYTES] [-d DURATION] [--rate MSGS_PER_S] [--text] [--deflate] [--json]
 * </pre>
 *
 * Exit codes: 0 success, 1 a connection or handshake failure, 2 a usage error.
 */
@Command(name = "fastws", mixinStandardHelpOptions = true, version = "fastws 0.1",
        subcommands = {Connect.class, Bench.class},
        description = "WebSocket client tools: an interactive client and a load generator.")
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    /**
     * Runs a command and exits with its code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs a command and returns its exit code (for tests and embedding).
     *
     * @param args the command line
     * @return the exit code
     */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.registerConverter(java.time.Duration.class, Durations::parse);
        // A usage error is one line and exit code 2, not a wall of help.
        cli.setParameterExceptionHandler((ex, a) -> {
            System.err.println("fastws: " + ex.getMessage() + " (try --help)");
            return 2;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            System.err.println("fastws " + cmd.getCommandName() + ": " + ex.getMessage());
            return 1;
        });
        return cli.execute(args);
    }
}
