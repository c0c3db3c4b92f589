package io.bucketdb.storage.sim;

/**
 * An injected I/O error, for {@link CrashSimulator#failWhen(java.util.function.Predicate, Fault)} and {@link
 * CrashSimulator#failOperation(long, boolean, Fault)}. Each throws an {@link java.io.IOException} whose message
 * starts as the JDK's does on Linux and names the operation, and each has the partial effects a real disk can
 * leave.
 */
public enum Fault {
    /**
     * {@code EIO}: the operation is not performed and throws {@code IOException("Input/output error ...")}.
     * A failed {@link Operation.Kind#FORCE FORCE} loses the file's unforced changes from every later crash
     * image, and a failed {@link Operation.Kind#SYNC_DIRECTORY SYNC_DIRECTORY} leaves the directory's
     * unsynced operations doubtful (see {@link CrashSimulator}).
     */
    EIO("Input/output error"),
    /**
     * {@code ENOSPC}: throws {@code IOException("No space left on device ...")} after a partial effect: a
     * {@link Operation.Kind#WRITE WRITE} writes a prefix of whole 512-byte sectors of the file (possibly none),
     * an {@link Operation.Kind#ALLOCATE ALLOCATE} grows the file part of the way (possibly not at all), at a
     * sector boundary. Other kinds are not performed; a FORCE or SYNC_DIRECTORY fails as under {@link #EIO}.
     */
    ENOSPC("No space left on device");

    private final String message;

    Fault(String message) {
        this.message = message;
    }

    /** {@return the error text the JDK reports for this error on Linux} */
    public String message() {
        return message;
    }
}
