/**
 * Crash simulation for tests: {@link io.bucketdb.storage.sim.CrashSimulator} is a
 * {@link io.bucketdb.spi.DurableIO} that records what is durable and builds the files a power loss could
 * leave, with a crash at any chosen operation and injected faults.
 *
 * <p>The fault model, in short (details in {@link io.bucketdb.storage.sim.CrashSimulator}):
 * <ul>
 *   <li>a power loss keeps, drops or tears (per 512-byte sector) each unforced write, keeps or drops each
 *       unforced size change, and does or does not do each unsynced directory operation;</li>
 *   <li>files, directories and renames (of files and of directories) are durable only after a sync of the
 *       directory holding their entry; a lost directory takes everything in it along;</li>
 *   <li>{@link io.bucketdb.storage.sim.Fault#EIO} fails an operation without performing it;
 *       {@link io.bucketdb.storage.sim.Fault#ENOSPC} and the space limit perform a prefix of whole sectors of
 *       a write, or part of an allocation, then fail;</li>
 *   <li>a failed force loses the file's unforced changes for good (Linux marks the pages clean), though reads
 *       in the same boot still see them; a failed directory sync leaves its operations doubtful for good.</li>
 * </ul>
 */
package io.bucketdb.storage.sim;
