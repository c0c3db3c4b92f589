package io.bucketdb.bench.durability;

import io.bucketdb.bench.compare.Args;

import java.util.Map;

/** {@link Args}'s {@code --name value} pairs with the lookups the durability benchmark needs. */
final class Flags {
    private final Map<String, String> values;

    private Flags(Map<String, String> values) {
        this.values = values;
    }

    static Flags parse(String[] args) {
        return new Flags(Args.parse(args));
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String get(String name, String otherwise) {
        return values.getOrDefault(name, otherwise);
    }

    String require(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return v;
    }

    long requireLong(String name) {
        return Long.parseLong(require(name));
    }
}
