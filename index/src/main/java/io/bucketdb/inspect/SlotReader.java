package io.bucketdb.inspect;

import io.bucketdb.recovery.JournalOptions;
import io.bucketdb.storage.BlockNumberLayout;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.VarSlotLayout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a bucket's slots for the inspector: states, keys and values, fixed-width or variable-length
 * (inline or in the value heap), each heap reference bounded by the file before it is followed.
 */
final class SlotReader {
    private final Path file;
    private final Header h;
    private final BucketLayout layout;
    private final FileView view;
    /** The numbering of block-number value slots (format version 8), else null. */
    private final BlockNumberLayout numbers;

    SlotReader(Path file, Header h, BucketLayout layout, FileView view) {
        this.file = file;
        this.h = h;
        this.layout = layout;
        this.view = view;
        this.numbers = BlockNumberLayout.of(h);
    }

    List<Slot> readSlots(long b) {
        List<Slot> slots = new ArrayList<>(BucketLayout.SLOTS);
        for (int s = 0; s < BucketLayout.SLOTS; s++) {
            int t = view.getByte(b + s);
            if (t >= BucketLayout.MIN_TOPHASH) {
                long k = b + layout.keyOffset(s);
                long v = b + layout.valueOffset(s);
                // A damaged heap reference shows as null bytes beside its placement, so a dump still shows the rest.
                slots.add(new Slot(s, t, orNull(() -> keyBytes(k)), orNull(() -> valueBytes(v)), h.varKeys() ? placement(k, VarSlotLayout.inlineWidth(h.keyWidth)) : null,
                        h.varValues() ? valuePlacement(v) : null));
            } else {
                slots.add(new Slot(s, t, null, null, null, null));
            }
        }
        return List.copyOf(slots);
    }

    /** The key bytes of the slot whose key field starts at {@code off}: the field, or its inline or heap bytes. */
    byte[] keyBytes(long off) throws CorruptIndexException {
        return h.varKeys() ? fieldBytes(off, VarSlotLayout.inlineWidth(h.keyWidth)) : view.bytes(off, h.keyWidth);
    }

    byte[] valueBytes(long off) throws CorruptIndexException {
        return h.varValues() ? fieldBytes(off, valuePlacement(off)) : view.bytes(off, h.valueWidth);
    }

    private byte[] fieldBytes(long off, int inline) throws CorruptIndexException {
        return fieldBytes(off, placement(off, inline));
    }

    private byte[] fieldBytes(long off, Placement p) throws CorruptIndexException {
        long at = p.inline() ? off + VarSlotLayout.BODY_OFFSET : p.heapRef();
        if (p.length() > JournalOptions.DEFAULT_MAX_VALUE_LENGTH || at < HeaderLayout.DATA_START || !view.contains(at, p.length())) {
            throw new CorruptIndexException(file, off, "a variable-length slot whose " + p + " lie within the file");
        }
        return view.bytes(at, (int) p.length());
    }

    private interface FieldRead {
        byte[] read() throws CorruptIndexException;
    }

    /** The field's bytes, or null if they lie outside the file or on a page that fails its checksum. */
    private static byte[] orNull(FieldRead read) {
        try {
            return read.read();
        } catch (CorruptIndexException damaged) {
            return null;
        } catch (java.io.UncheckedIOException e) {
            // A page check (VerifiedPages) reports a damaged page this way: the heap bytes of one slot are gone, and
            // the rest of its chain is still readable.
            if (e.getCause() instanceof CorruptIndexException) {
                return null;
            }
            throw e;
        }
    }

    /** Where the value slot at {@code off} keeps its bytes: a variable-length slot's, or a block-number slot's block. */
    Placement valuePlacement(long off) {
        if (numbers == null) {
            return placement(off, VarSlotLayout.inlineWidth(h.valueWidth));
        }
        long len = h.outlineValueWidth;
        return new Placement(len, numbers.offset(view.getInt(off + BlockNumberLayout.NUMBER_OFFSET)), h.heapClasses().blockBytesFor(len));
    }

    /** Where the variable-length field at {@code off}, of inline width {@code inline}, keeps its bytes. */
    Placement placement(long off, int inline) {
        long len = view.getInt(off + VarSlotLayout.LENGTH_OFFSET) & 0xFFFFFFFFL;
        if (len <= inline) {
            return new Placement(len, 0, 0);
        }
        return new Placement(len, view.getLong(off + VarSlotLayout.HEAP_REF_OFFSET), h.heapClasses().blockBytesFor(len));
    }
}
