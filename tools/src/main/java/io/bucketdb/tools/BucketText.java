package io.bucketdb.tools;

import io.bucketdb.inspect.BucketView;
import io.bucketdb.inspect.ChainBucket;
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
        Text.Columns t = new Text.Columns().row("chain", "offset", "next", "slot", "tophash", "key", "value");
        for (ChainBucket cb : v.chain()) {
            for (Slot s : cb.slots()) {
                boolean first = s.index() == 0;
                t.row(first ? String.valueOf(cb.position()) : "", first ? String.valueOf(cb.offset()) : "",
                        first ? (cb.next() == 0 ? "-" : String.valueOf(cb.next())) : "", String.valueOf(s.index()), s.state(),
                        s.used() ? f.text(s.key()) : "", s.used() ? f.text(s.value()) : "");
            }
        }
        out.addAll(t.lines("  "));
        if (v.broken() != null) {
            out.add("  chain broken: " + v.broken() + " (run 'bucketdb verify')");
        }
        return out;
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
                    sm.put("key", jsonValue(f, s.key()));
                    sm.put("value", jsonValue(f, s.value()));
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
