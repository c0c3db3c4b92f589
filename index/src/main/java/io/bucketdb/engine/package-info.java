/**
 * The engine behind {@link io.bucketdb.BucketDB}: internal, not exported. {@link io.bucketdb.engine.IndexOpener}
 * opens, recovers or creates an index and wires the rest: {@link io.bucketdb.engine.JournalingStage} (the only
 * writer of the journal), the write pipeline ({@code io.bucketdb.pipeline}), {@link io.bucketdb.engine.CheckpointScheduler},
 * {@link io.bucketdb.engine.TableReads} (the one reader of the table), {@link io.bucketdb.engine.WriteAccess} (writes
 * and writer-role tasks), {@link io.bucketdb.engine.EntryChecks} (which keys and values the index takes) and
 * {@link io.bucketdb.engine.CloseSequence}; a read-only open gets a {@link io.bucketdb.engine.ReadOnlyView} instead of
 * the journal, pipeline and scheduler.
 */
package io.bucketdb.engine;
