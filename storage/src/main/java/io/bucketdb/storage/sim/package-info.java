/**
 * Crash simulation for tests: {@link io.bucketdb.storage.sim.CrashSimulator} is a
 * {@link io.bucketdb.storage.DurableIO} that records what is durable and builds the files a power loss could
 * leave, with fault injection and a crash at any chosen operation.
 */
package io.bucketdb.storage.sim;
