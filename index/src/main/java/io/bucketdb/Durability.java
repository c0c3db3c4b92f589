package io.bucketdb;

/** When a write is acknowledged (docs/DESIGN.md, "Durability"). A power loss never corrupts the index in either mode. */
public enum Durability {
    /** After the journal force that covers the write: an acknowledged write survives power loss. */
    SYNC,
    /**
     * After the journal write reaches the OS; the journal is forced every
     * {@link Options#asyncForceInterval()}, so a power loss loses at most that interval's writes
     * (a process crash alone loses nothing that was acknowledged).
     */
    ASYNC
}
