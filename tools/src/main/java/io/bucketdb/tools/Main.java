package io.bucketdb.tools;

import io.bucketdb.spi.CorruptIndexException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The {@code bucketdb} command: the entry point of {@code ./bucketdb} and of the tools jar.
 * Every failure leaves through {@link #report}: one line on stderr and an exit code from {@link Exit},
 * never a stack trace.
 */
@Command(name = "bucketdb", mixinStandardHelpOptions = true, version = "bucketdb 0.1.0",
        description = "Read and write keys of BucketDB indexes, inspect, verify and move data in and out of them.",
        subcommands = {GetCommand.class, PutCommand.class, DeleteCommand.class, ScanCommand.class, StatCommand.class, DumpCommand.class,
                VerifyCommand.class, RecoverCommand.class, CompactCommand.class, ExportCommand.class,
                ImportCommand.class, BackupCommand.class, DemoCommand.class, CrashtestCommand.class, WriterChild.class, CommandLine.HelpCommand.class},
        footer = {"%nExample:%n  ./bucketdb demo --keys 1000000", Exit.FOOTER})
public final class Main implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: get, put, delete, scan, stat, dump, verify, recover, compact, export, import, backup, demo or crashtest");
    }

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs one command line with the given streams and returns its exit code (tests call this). */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine().setOut(out).setErr(err);
        try {
            int code = cl.execute(args);
            // PrintWriter swallows write errors: without this check 'bucketdb export idx > file' on a full disk exited 0
            // with a cut or empty file. A command that already failed keeps its own line and code.
            if (out.checkError() && (code == Exit.OK || code == Exit.PROBLEMS)) {
                err.println(commandName(cl) + ": " + OUTPUT_FAILED);
                return Exit.IO;
            }
            return code;
        } catch (InternalError e) {
            // A mapped page vanished under us: the file shrank while it was being read.
            err.println("bucketdb: the index file changed size while it was read (" + e.getMessage() + "); run the command again");
            return Exit.IO;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The message for a standard output that could not be written. */
    static final String OUTPUT_FAILED = "could not write standard output (a full disk, or the reader of the pipe closed it): "
            + "the output is incomplete";

    /** The qualified name of the (sub)command {@code cl} ran, as errors name it: "bucketdb export". */
    private static String commandName(CommandLine cl) {
        CommandLine.ParseResult r = cl.getParseResult();
        if (r == null) {
            return cl.getCommandSpec().qualifiedName();
        }
        while (r.subcommand() != null) {
            r = r.subcommand();
        }
        return r.commandSpec().qualifiedName();
    }

    static CommandLine commandLine() {
        return new CommandLine(new Main())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler((ex, args) -> {
                    String name = ex.getCommandLine().getCommandSpec().qualifiedName();
                    ex.getCommandLine().getErr().println(name + ": " + ex.getMessage() + dashHint(ex.getCommandLine().getCommandSpec(), args)
                            + " (see '" + name + " --help')");
                    return Exit.USAGE;
                })
                .setExecutionExceptionHandler((ex, cl, parsed) -> report(ex, cl.getCommandSpec().qualifiedName(), cl.getErr()));
    }

    /** The positional parameters that take a key or a value typed by the user, which may well start with '-'. */
    private static final java.util.Set<String> ENTRY_LABELS = java.util.Set.of("KEY", "VALUE");

    /**
     * The hint added to a usage error of a command that takes keys or values when an argument before any {@code --}
     * starts with '-' and is none of the command's options: picocli took it for an unknown option and then said only
     * that KEY or VALUE was missing, and nobody guesses {@code --} from that. Empty otherwise.
     */
    static String dashHint(CommandSpec spec, String[] args) {
        if (spec.positionalParameters().stream().noneMatch(p -> ENTRY_LABELS.contains(p.paramLabel()))) {
            return "";
        }
        for (String a : args) {
            if (a.equals("--")) {
                return "";
            }
            // picocli passes a negative number such as -5 as a positional parameter: no hint for it.
            if (a.length() > 1 && a.startsWith("-") && !a.matches("-\\d+(\\.\\d+)?") && spec.findOption(a.split("=", 2)[0]) == null) {
                String labels = spec.positionalParameters().stream().map(p -> p.paramLabel()).collect(java.util.stream.Collectors.joining(" "));
                return "; '" + a + "' was taken for an option: a key or value that starts with '-' goes after '--', which ends the "
                        + "options (" + spec.qualifiedName() + " [OPTIONS] " + labels.replaceFirst("^DIR ", "DIR -- ") + ")";
            }
        }
        return "";
    }

    /** Prints the one line that explains {@code ex} and returns its exit code. */
    static int report(Throwable ex, String name, PrintWriter err) {
        Throwable t = ex instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : ex;
        int code;
        String line = switch (t) {
            case CliException c -> {
                code = c.exitCode();
                yield c.getMessage();
            }
            case CorruptIndexException c -> {
                code = Exit.IO;
                Path dir = c.file().getParent();
                yield "the index is damaged: " + c.getMessage() + "; run 'bucketdb verify " + (dir == null ? c.file() : dir) + "'";
            }
            case NoSuchFileException n -> {
                code = Exit.IO;
                yield n.getFile() + ": " + (n.getReason() != null ? n.getReason() : "no such file or directory");
            }
            case AccessDeniedException a -> {
                code = Exit.IO;
                yield a.getFile() + ": permission denied";
            }
            case IOException io -> {
                code = Exit.IO;
                yield io.getMessage() != null ? io.getMessage() : io.toString();
            }
            case IllegalArgumentException i -> {
                code = Exit.USAGE;
                yield i.getMessage();
            }
            default -> {
                code = Exit.IO;
                yield "unexpected error: " + t;
            }
        };
        err.println(name + ": " + line);
        err.flush();
        return code;
    }
}
