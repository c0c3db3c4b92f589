package io.bucketdb.tools;

import io.bucketdb.Recovery;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ViewLineTest {
    private static final Recovery REPLAYED = new Recovery(false, 0, 1234, 0, 0, 0, 0, false, 1000, 2234, false);

    @Test
    void namesTheLsnTheCheckpointAndTheRecordsReplayed() {
        assertEquals("bucketdb: idx as of LSN 2234 (checkpoint LSN 1000 + 1,234 journal records replayed); no writer holds it",
                ViewLine.describe(Path.of("idx"), 2234, REPLAYED, Optional.empty()));
    }

    @Test
    void namesTheWriterWhoseLaterWritesAreNotShown() {
        assertEquals("bucketdb: idx as of LSN 2234 (checkpoint LSN 1000 + 1,234 journal records replayed); a writer holds it "
                        + "(pid 42 (started 2026-12-06T03:00:00Z)): writes after this moment are not shown",
                ViewLine.describe(Path.of("idx"), 2234, REPLAYED, Optional.of("pid 42 (started 2026-12-06T03:00:00Z)")));
    }
}
