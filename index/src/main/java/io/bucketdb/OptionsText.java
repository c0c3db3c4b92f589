package io.bucketdb;

import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.VarSlotLayout;

/** {@link Options#toString()}: the options as {@code with…} calls would set them, for logs and error messages. */
final class OptionsText {
    private OptionsText() {
    }

    /** Sizes in bytes, durations in ISO-8601; the durable I/O by class name. */
    static String describe(Options o) {
        return "Options[" + (o.variableKeys() ? "variable keys (inline " + VarSlotLayout.inlineWidth(o.keySlotWidth()) + ")"
                : o.keyWidth() + "-byte keys") + ", "
                + (o.variableValues() ? "variable values (inline " + VarSlotLayout.inlineWidth(o.valueSlotWidth()) + ")"
                : o.valueWidth() + "-byte values" + ((o.tableFlags() & HeaderLayout.OUTLINE_VALUES) != 0 ? " out of line" : " inline"))
                + (o.widthsSet() ? "" : " (defaults: an existing index keeps its own)")
                + ", max lengths " + o.maxKeyLength() + "/" + o.maxValueLength()
                + ", expected entries " + o.expectedEntries() + ", createIfMissing " + o.createIfMissing()
                + ", readOnly " + o.readOnly()
                + ", chunking " + o.alignShift() + "/" + o.maxChunkShift() + ", hash seed " + (o.hashSeed() == null ? "random" : "set")
                + ", " + o.durability() + (o.durability() == Durability.ASYNC ? " (force every " + o.asyncForceInterval() + ")" : "")
                + ", checkpoint at " + o.dirtyLimitBytes() + " dirty / " + o.journalLimitBytes() + " journal bytes / "
                + o.checkpointInterval()
                + ", private memory " + o.privateMemoryLimitBytes() + ", checkpoints in background " + o.checkpointsInBackground()
                + ", idle evacuation " + o.idleEvacuation()
                + ", truncateOnDamage " + o.truncateOnDamage() + ", journal segments " + o.journalSegmentSize()
                + ", ring " + o.ringSize() + (o.publishTimeout() == null ? "" : " (publish timeout " + o.publishTimeout() + ")")
                + ", wait " + o.waitStrategy() + ", io " + o.durableIO().getClass().getSimpleName() + "]";
    }
}
