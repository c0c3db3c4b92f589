package io.bucketdb.tools;

import io.bucketdb.inspect.BucketView;
import io.bucketdb.inspect.ChainBucket;
import io.bucketdb.inspect.Placement;
import io.bucketdb.inspect.Slot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Renders a {@link BucketView} as aligned text or as a JSON-ready map; shared by {@code dump} and {@code demo}. */
final class BucketText {
    private BucketText() {
    }

    /** A title line, then one row per slot: chain position, bucket offset, next link, slot, tophash or state, key, value. */
    static List<String> lines(BucketView v, int arrayB, Format f) {
        List<String> out = new ArrayList<>();
        out.add(title(v, arrayB));
        if (v.state() == BucketView.State.PENDING) {
            return out;
        }
        boolean variable = v.chain().stream().flatMap(cb -> cb.slots().stream()).anyMatch(s -> s.keyAt() != null || s.valueAt() != null);
        Text.Columns t = variable ? new Text.Columns().row("chain", "offset", "next", "slot", "tophash", "key", "value", "stored")
                : new Text.Columns().row("chain", "offset", "next", "slot", "tophash", "key", "value");
        for (ChainBucket cb : v.chain()) {
            for (Slot s : cb.slots()) {
                boolean first = s.index() == 0;
                List<String> row = new ArrayList<>(List.of(first ? String.valueOf(cb.position()) : "", first ? String.valueOf(cb.offset()) : "",
                        first ? (cb.next() == 0 ? "-" : String.valueOf(cb.next())) : "", String.valueOf(s.index()), s.state(),
                        s.used() ? text(f, s.key()) : "", s.used() ? text(f, s.value()) : ""));
                if (variable) {
                    row.add(s.used() ? stored(s) : "");
                }
                t.row(row.toArray(String[]::new));
            }
        }
        out.addAll(t.lines("  "));
        if (v.broken() != null) {
            out.add("  chain broken: " + v.broken() + " (run 'bucketdb verify')");
        }
        return out;
    }

    /** A key or value as {@code f} shows it; null means a heap reference the file cannot resolve. */
    private static String text(Format f, byte[] bytes) {
        return bytes == null ? "(unreadable: see stored)" : f.text(bytes);
    }

    /** Where a variable-length key and value live: "key 40 B heap @ 81920 (64 B block), value 5 B inline". */
    static String stored(Slot s) {
        List<String> parts = new ArrayList<>();
        if (s.keyAt() != null) {
            parts.add("key " + place(s.keyAt()));
        }
        if (s.valueAt() != null) {
            parts.add("value " + place(s.valueAt()));
        }
        return String.join(", ", parts);
    }

    private static String place(Placement p) {
        return p.inline() ? p.length() + " B inline" : p.length() + " B heap @ " + p.heapRef() + " (" + p.blockBytes() + " B block)";
    }

    private static Map<String, Object> placeJson(Placement p) {
        Map<String, Object> m = Json.object();
        m.put("length", p.length());
        m.put("inline", p.inline());
        if (!p.inline()) {
            m.put("heapOffset", p.heapRef());
            m.put("blockBytes", p.blockBytes());
        }
        return m;
    }

    static String title(BucketView v, int arrayB) {
        String name = (v.old() ? "old bucket " : "bucket ") + v.index() + " of " + Text.count(1L << arrayB) + " @ offset " + v.offset();
        return switch (v.state()) {
            case LIVE -> name + ": " + v.chain().stream().mapToLong(cb -> cb.slots().stream().filter(Slot::used).count()).sum()
                    + " entries, chain of " + v.chain().size() + (v.chain().size() == 1 ? " bucket" : " buckets");
            case EVACUATED -> name + ": evacuated (its entries moved to the new array; only slot states remain)";
            case PENDING -> name + ": pending (its old bucket is not evacuated yet and holds the entries; "
                    + "these bytes mean nothing until then)";
        };
    }

    /** The view as a JSON-ready map; keys and values as {@code f} writes them in JSON. */
    static Map<String, Object> json(BucketView v, Format f) {
        Map<String, Object> m = Json.object();
        m.put("array", v.old() ? "old" : "current");
        m.put("index", v.index());
        m.put("offset", v.offset());
        m.put("state", v.state().name().toLowerCase(java.util.Locale.ROOT));
        List<Object> chain = new ArrayList<>();
        for (ChainBucket cb : v.chain()) {
            Map<String, Object> b = Json.object();
            b.put("position", cb.position());
            b.put("offset", cb.offset());
            b.put("next", cb.next());
            List<Object> slots = new ArrayList<>();
            for (Slot s : cb.slots()) {
                Map<String, Object> sm = Json.object();
                sm.put("slot", s.index());
                sm.put("tophash", s.tophash());
                sm.put("state", s.used() ? "used" : s.state());
                if (s.used()) {
                    sm.put("key", s.key() == null ? null : jsonValue(f, s.key()));
                    sm.put("value", s.value() == null ? null : jsonValue(f, s.value()));
                    if (s.keyAt() != null) {
                        sm.put("keyStored", placeJson(s.keyAt()));
                    }
                    if (s.valueAt() != null) {
                        sm.put("valueStored", placeJson(s.valueAt()));
                    }
                }
                slots.add(sm);
            }
            b.put("slots", slots);
            chain.add(b);
        }
        m.put("chain", chain);
        if (v.broken() != null) {
            m.put("broken", v.broken());
        }
        return m;
    }

    /** A dump shows any bytes: fields {@code f} cannot write exactly fall back to hex. */
    static Object jsonValue(Format f, byte[] b) {
        try {
            return f.json(b, "field");
        } catch (CliException e) {
            return Format.HEX.json(b, "field");
        }
    }
}
