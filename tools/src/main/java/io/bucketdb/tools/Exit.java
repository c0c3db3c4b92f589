package io.bucketdb.tools;

/** The exit codes of every {@code bucketdb} command, as {@code --help} and the README list them. */
final class Exit {
    /** The command did what was asked. */
    static final int OK = 0;
    /** The command ran and found problems (verify found damage, demo found a lost key). */
    static final int PROBLEMS = 1;
    /** The command line or the input data was wrong. */
    static final int USAGE = 2;
    /** A file could not be read or written, is not an index, is damaged or is locked. */
    static final int IO = 3;

    /** The footer every command's {@code --help} ends with. */
    static final String FOOTER = "%nExit codes: 0 success, 1 problems found, 2 usage error, 3 I/O error (missing, unreadable, damaged or locked index).";

    private Exit() {
    }
}
