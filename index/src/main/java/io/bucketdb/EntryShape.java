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
 */
record EntryShape(int keyWidth, int valueWidth, int keyInline, int valueInline) {
    /** 8-byte keys and 8-byte values. */
    static final EntryShape DEFAULT = new EntryShape(8, 8, 0, 0);

    EntryShape withKeyWidth(int width) {
        return new EntryShape(width, valueWidth, 0, valueInline);
    }

    EntryShape withValueWidth(int width) {
        return new EntryShape(keyWidth, width, keyInline, 0);
    }

    EntryShape withKeyInline(int inline) {
        VarSlotLayout.slotWidth(inline);
        return new EntryShape(keyWidth, valueWidth, inline, valueInline);
    }

    EntryShape withValueInline(int inline) {
        VarSlotLayout.slotWidth(inline);
        return new EntryShape(keyWidth, valueWidth, keyInline, inline);
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

    /** The layout of an open index, for creating a copy of it. */
    static EntryShape of(BucketDB db) {
        EntryShape s = DEFAULT;
        s = db.variableKeys() ? s.withKeyInline(VarSlotLayout.inlineWidth(db.keyWidth())) : s.withKeyWidth(db.keyWidth());
        return db.variableValues() ? s.withValueInline(VarSlotLayout.inlineWidth(db.valueWidth())) : s.withValueWidth(db.valueWidth());
    }

    int keySlotWidth() {
        return keyInline > 0 ? VarSlotLayout.slotWidth(keyInline) : keyWidth;
    }

    int valueSlotWidth() {
        return valueInline > 0 ? VarSlotLayout.slotWidth(valueInline) : valueWidth;
    }

    int tableFlags() {
        return (keyInline > 0 ? HeaderLayout.VAR_KEYS : 0) | (valueInline > 0 ? HeaderLayout.VAR_VALUES : 0);
    }
}
