package io.bucketdb.bench.compare;

/**
 * A {@link KvStore.BytesSession} over a store whose {@code get} hands back a value array of its own
 * (a new array, or its stored one) or null: the value is copied into the caller's array, so the
 * workloads see one contract whatever the store returns.
 */
final class CopyingBytesSession implements KvStore.BytesSession {
    interface Get {
        byte[] get(byte[] key) throws Exception;
    }

    interface Put {
        void put(byte[] key, byte[] value) throws Exception;
    }

    interface Delete {
        void delete(byte[] key) throws Exception;
    }

    private final Get get;
    private final Put put;
    private final Delete delete;

    CopyingBytesSession(Get get, Put put, Delete delete) {
        this.get = get;
        this.put = put;
        this.delete = delete;
    }

    @Override
    public boolean get(byte[] key, byte[] valueOut) throws Exception {
        byte[] v = get.get(key);
        if (v == null) {
            return false;
        }
        System.arraycopy(v, 0, valueOut, 0, v.length);
        return true;
    }

    @Override
    public void put(byte[] key, byte[] value) throws Exception {
        put.put(key, value);
    }

    @Override
    public void delete(byte[] key) throws Exception {
        delete.delete(key);
    }
}
