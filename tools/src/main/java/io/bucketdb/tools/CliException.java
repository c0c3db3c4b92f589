package io.bucketdb.tools;

/**
 * A failure the user can act on: its message is the one line printed on stderr and its code the
 * exit code. Commands throw it instead of printing and returning, so every error leaves the same way.
 */
final class CliException extends RuntimeException {
    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    static CliException usage(String message) {
        return new CliException(Exit.USAGE, message);
    }

    int exitCode() {
        return exitCode;
    }
}
