package io.bucketdb.tools;

import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.storage.Header;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What an index was created with that its public API does not show and a faithful copy must repeat: the mapping
 * chunk alignment, the hash seed and the value placement. All three are written once at creation and never change,
 * so reading them from the checkpoint image agrees with any view of the index. Opening it first also gives the inspector's one-line
 * explanations of a missing directory or a directory that holds no index.
 *
 * @param alignShift the chunk alignment ({@code Options.withChunking})
 * @param hashSeed        the seed of the key hash ({@code Options.withHashSeed})
 * @param valuesOutOfLine whether fixed-width values are kept in the value heap ({@code Options.withValuesOutOfLine});
 *                        false for variable-length values
 */
record IndexChoices(int alignShift, long hashSeed, boolean valuesOutOfLine) {
    static IndexChoices of(Path dir) throws IOException {
        try (IndexInspector in = Views.inspect(dir)) {
            Header h = in.header();
            return new IndexChoices(h.alignShift, h.hashSeed, h.outlineValues());
        }
    }
}
