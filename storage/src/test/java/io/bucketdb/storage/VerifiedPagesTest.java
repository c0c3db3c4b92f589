package io.bucketdb.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link VerifiedPages#allTrusted} (issue 19, misses): a get skips its page check only once every page of the
 * checksummed range is trusted, never before, whoever verified or claimed the pages and in whatever order.
 */
class VerifiedPagesTest {
    private static final int PAGES = 200;

    @TempDir
    Path tmp;

    private TableFile table(String name) throws IOException {
        TableFile t = TableFile.create(FileDurableIO.INSTANCE, tmp.resolve(name), 8, 8, TableGeometry.MIN_ALIGN_SHIFT, 1, 30);
        t.header().fileEnd = HeaderLayout.DATA_START + ((long) PAGES << ExtentClasses.PAGE_SHIFT);
        t.ensureMapped(t.header().fileEnd);
        return t;
    }

    private static long pageOffset(int i) {
        return HeaderLayout.DATA_START + ((long) i << ExtentClasses.PAGE_SHIFT);
    }

    @Test
    void shouldTrustEverythingWithoutChecksums() {
        assertTrue(VerifiedPages.NONE.allTrusted());
    }

    @Test
    void shouldTrustAllOnlyAfterTheLastPageWasVerifiedOrClaimed() throws IOException {
        try (TableFile t = table("t")) {
            VerifiedPages pages = VerifiedPages.of(t, PageChecksums.rebuild(t), null, FileDurableIO.INSTANCE);
            assertFalse(pages.allTrusted(), "nothing verified yet");
            for (int i = 0; i < PAGES - 1; i++) {
                long off = pageOffset(i);
                if (i % 3 == 0) {
                    pages.claim(off, 16);
                } else {
                    pages.check(off + 100, 144);
                }
                pages.check(off, 8); // a second look at a trusted page counts nothing
                assertFalse(pages.allTrusted(), "page " + (PAGES - 1) + " is not verified yet, after page " + i);
            }
            pages.trust(pageOffset(PAGES - 1) >>> ExtentClasses.PAGE_SHIFT);
            assertTrue(pages.allTrusted(), "every page trusted");
        }
    }

    @Test
    void shouldTrustTheBucketsOnceEveryWatchedPageIsVerifiedOrClaimed() throws IOException {
        try (TableFile t = table("w")) {
            VerifiedPages pages = VerifiedPages.of(t, PageChecksums.rebuild(t), null, FileDurableIO.INSTANCE);
            pages.check(pageOffset(10), 8); // trusted before the watch: not counted
            // Pages 10..29 and 50..59, overlapping ranges counted once.
            pages.watchBuckets(new long[] {pageOffset(10), pageOffset(30), pageOffset(20), pageOffset(25),
                    pageOffset(50), pageOffset(60)});
            assertFalse(pages.bucketsTrusted());
            for (int i = 11; i < 30; i++) {
                pages.check(pageOffset(i) + 5, 1);
            }
            pages.check(pageOffset(70), 8); // not watched
            for (int i = 50; i < 59; i++) {
                pages.claim(pageOffset(i), 16);
                assertFalse(pages.bucketsTrusted(), "page 59 is not trusted yet, after page " + i);
            }
            pages.trust(pageOffset(59) >>> ExtentClasses.PAGE_SHIFT);
            assertTrue(pages.bucketsTrusted(), "every watched page trusted");
            assertFalse(pages.allTrusted(), "the others are not");
        }
    }

    @Test
    void shouldTrustTheBucketsWhenAllIsTrustedWithoutAWatch() throws IOException {
        assertTrue(VerifiedPages.NONE.bucketsTrusted());
        try (TableFile t = table("a")) {
            VerifiedPages pages = VerifiedPages.of(t, PageChecksums.rebuild(t), null, FileDurableIO.INSTANCE);
            for (int i = 0; i < PAGES; i++) {
                assertFalse(pages.bucketsTrusted(), "page " + i + " is not trusted yet");
                pages.check(pageOffset(i), 8);
            }
            assertTrue(pages.bucketsTrusted());
        }
    }

    @Test
    void shouldCountEachPageOnceWhenThreadsVerifyTheSamePages() throws Exception {
        try (TableFile t = table("c")) {
            VerifiedPages pages = VerifiedPages.of(t, PageChecksums.rebuild(t), null, FileDurableIO.INSTANCE);
            int threads = 4;
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Thread> all = new ArrayList<>();
            List<Throwable> failed = new ArrayList<>();
            for (int k = 0; k < threads; k++) {
                int from = k;
                Thread th = new Thread(() -> {
                    try {
                        start.await();
                        // Every thread verifies every page but the last, from a different start.
                        for (int n = 0; n < PAGES - 1; n++) {
                            pages.check(pageOffset((n + from * 37) % (PAGES - 1)), 8);
                        }
                    } catch (Throwable e) {
                        synchronized (failed) {
                            failed.add(e);
                        }
                    }
                });
                all.add(th);
                th.start();
            }
            for (Thread th : all) {
                th.join();
            }
            assertEquals(List.of(), failed);
            assertFalse(pages.allTrusted(), "the last page is not verified: a page counted twice would say otherwise");
            pages.check(pageOffset(PAGES - 1), 8);
            assertTrue(pages.allTrusted());
        }
    }
}
