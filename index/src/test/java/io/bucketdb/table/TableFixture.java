package io.bucketdb.table;

import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.TableFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A table in a temporary file with a recording growth listener, for tests that look inside. */
final class TableFixture implements AutoCloseable {
    final TableFile file;
    final HashTable table;
    final List<String> events = new ArrayList<>();
    int doublings;
    int sameSizeGrowths;
    int growEnds;

    TableFixture(Path dir, long seed) throws IOException {
        file = TableFile.create(FileDurableIO.INSTANCE, dir.resolve("t.bdb"), 8, 8, 16, seed, 16);
        table = HashTable.create(file, new GrowthListener() {
            @Override
            public void growBegin(int newB, boolean sameSize) {
                events.add((sameSize ? "same-size " : "double ") + newB);
                if (sameSize) {
                    sameSizeGrowths++;
                } else {
                    doublings++;
                }
            }

            @Override
            public void growEnd() {
                growEnds++;
            }
        });
    }

    boolean growing() {
        return table.snapshot().growing;
    }

    @Override
    public void close() throws IOException {
        file.closeAndTrim();
    }
}
