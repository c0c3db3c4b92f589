package io.bucketdb.pipeline;

import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.TableFile;
import io.bucketdb.table.GrowthListener;
import io.bucketdb.table.HashTable;

import java.io.IOException;
import java.nio.file.Path;

/** A small table (64 KiB chunks, so it grows often) in a temporary file, with a pipeline in front. */
final class PipelineFixture implements AutoCloseable {
    final TableFile file;
    final HashTable table;
    final WritePipeline pipeline;

    PipelineFixture(Path dir, long seed, JournalStage journal, PipelineConfig config) throws IOException {
        file = TableFile.create(FileDurableIO.INSTANCE, dir.resolve("t.bdb"), 8, 8, 16, seed, 16);
        table = HashTable.create(file, GrowthListener.NONE);
        pipeline = new WritePipeline(table, journal, config);
    }

    PipelineFixture(Path dir, long seed) throws IOException {
        this(dir, seed, JournalStage.NONE, PipelineConfig.defaults());
    }

    @Override
    public void close() throws IOException {
        pipeline.close();
        file.closeAndTrim();
    }
}
