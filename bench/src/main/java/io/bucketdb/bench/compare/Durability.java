package io.bucketdb.bench.compare;

/**
 * What a store has promised when a put returns. Write figures are comparable only between stores
 * that promise the same; the report prints this beside every store.
 */
enum Durability {
    /** Nothing: a crash, even of the process alone, may lose the write or break the store.
     * HashMap and ConcurrentHashMap (memory); MapDB without its log (changes the file in place, and
     * a store that was not closed is refused on open). */
    NONE("none: a crash may lose it"),
    /** Handed to the operating system: survives the process dying, not a power loss or kernel crash. */
    PROCESS("process crash: in the OS page cache, not forced"),
    /** Forced to the device before the put returns. */
    SYNC("power loss: forced before the put returns");

    private final String description;

    Durability(String description) {
        this.description = description;
    }

    String description() {
        return description;
    }
}
