package io.bucketdb;

import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.VarSlotLayout;

/**
 * The key and value layout {@link Options} gives a new index: fixed widths, or variable-length slots with their
 * inline widths. It owns what follows from that choice (slot widths, the header's format flags), so the options and
 * the code that creates or checks a table compute them one way.
 *
 * @param keyWidth    bytes of a fixed-width key
 * @param valueWidth  bytes of a fixed-width value
 * @param keyInline   inline width of variable-length keys, 0 for fixed-width keys
 * @param valueInline inline width of variable-length values, 0 for fixed-width values
 * @param outOfLine   where fixed-width values live: true in the value heap, false in the slots, null by their width
 *                    ({@link VarSlotLayout#outlinesByDefault})
 */
record EntryShape(int keyWidth, int valueWidth, int keyInline, int valueInline, Boolean outOfLine) {
    /** 8-byte keys and 8-byte values. */
    static final EntryShape DEFAULT = new EntryShape(8, 8, 0, 0, null);

    EntryShape withKeyWidth(int width) {
        return new EntryShape(width, valueWidth, 0, valueInline, outOfLine);
    }

    EntryShape withValueWidth(int width) {
        return new EntryShape(keyWidth, width, keyInline, 0, outOfLine);
    }

    EntryShape withKeyInline(int inline) {
        VarSlotLayout.slotWidth(inline);
        return new EntryShape(keyWidth, valueWidth, inline, valueInline, outOfLine);
    }

    EntryShape withValueInline(int inline) {
        VarSlotLayout.slotWidth(inline);
        return new EntryShape(keyWidth, valueWidth, keyInline, inline, outOfLine);
    }

    EntryShape withValuesOutOfLine(boolean out) {
        return new EntryShape(keyWidth, valueWidth, keyInline, valueInline, out);
    }

    /** Whether fixed-width values go to the value heap: as chosen, or where that takes less space. */
    boolean outlineValues() {
        return valueInline == 0 && (outOfLine != null ? outOfLine : VarSlotLayout.outlinesByDefault(valueWidth));
    }

    /** Fixed slots of a fixed-width codec's width, variable-length slots with the default inline width for the others. */
    static EntryShape of(Codec<?> keys, Codec<?> values) {
        EntryShape s = DEFAULT;
        if (keys.fixedWidth().isPresent()) {
            OptionChecks.keyWidth(keys.fixedWidth().getAsInt());
            s = s.withKeyWidth(keys.fixedWidth().getAsInt());
        } else {
            s = s.withKeyInline(Options.DEFAULT_KEY_INLINE);
        }
        if (values.fixedWidth().isPresent()) {
            OptionChecks.valueWidth(values.fixedWidth().getAsInt());
            return s.withValueWidth(values.fixedWidth().getAsInt());
        }
        return s.withValueInline(Options.DEFAULT_VALUE_INLINE);
    }

    /**
     * The layout of an open index, for creating a copy of it: its value placement too, which the table took from its
     * header at open (reading it there costs nothing; {@link BucketDB#stats()} would walk every chain).
     */
    static EntryShape of(BucketDB db) {
        EntryShape s = DEFAULT;
        s = db.variableKeys() ? s.withKeyInline(VarSlotLayout.inlineWidth(db.keyWidth())) : s.withKeyWidth(db.keyWidth());
        return db.variableValues() ? s.withValueInline(VarSlotLayout.inlineWidth(db.valueWidth()))
                : s.withValueWidth(db.valueWidth()).withValuesOutOfLine(db.engine().table().outlineValueWidth() > 0);
    }

    int keySlotWidth() {
        return keyInline > 0 ? VarSlotLayout.slotWidth(keyInline) : keyWidth;
    }

    /** The variable-length slot's width, or the fixed width (also out of line: {@code TableFile.create} takes it so). */
    int valueSlotWidth() {
        return valueInline > 0 ? VarSlotLayout.slotWidth(valueInline) : valueWidth;
    }

    int tableFlags() {
        return (keyInline > 0 ? HeaderLayout.VAR_KEYS : 0) | (valueInline > 0 ? HeaderLayout.VAR_VALUES : 0)
                | (outlineValues() ? HeaderLayout.OUTLINE_VALUES : 0);
    }
}
