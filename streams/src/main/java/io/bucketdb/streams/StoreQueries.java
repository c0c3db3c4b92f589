package io.bucketdb.streams;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.MultiVersionedKeyQuery;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.ResultOrder;
import org.apache.kafka.streams.query.VersionedKeyQuery;
import org.apache.kafka.streams.query.WindowKeyQuery;
import org.apache.kafka.streams.query.WindowRangeQuery;
import org.apache.kafka.streams.state.KeyValueIterator;

import java.util.Map;
import java.util.Set;

/**
 * Interactive queries (IQv2) on a store, as Kafka's own key-value stores answer them: {@link KeyQuery} and
 * {@link RangeQuery} over the raw bytes (Kafka's metered layer above turns serdes on and off), any other query
 * type is unknown. A query runs only if the store's position has reached the query's bound on this task's
 * partition; every result carries a copy of the position it was answered at, taken under the same monitor as
 * the writes, so the two belong together.
 *
 * <p>The order of the checks is Kafka's ({@code StoreQueryUtils.handleBasicQueries}): a type no Kafka store
 * answers is unknown at once; one that Kafka's stores answer (window and versioned queries too) first waits for
 * the bound, and only then is found unknown to a key-value store.
 */
final class StoreQueries {
    /** The query types Kafka's built-in stores answer, as its {@code StoreQueryUtils} lists them. */
    private static final Set<Class<?>> KAFKA_QUERY_TYPES = Set.of(KeyQuery.class, RangeQuery.class, WindowKeyQuery.class,
            WindowRangeQuery.class, VersionedKeyQuery.class, MultiVersionedKeyQuery.class);

    private final BucketDBKeyValueStore store;
    private final StateStoreContext context;

    StoreQueries(BucketDBKeyValueStore store, StateStoreContext context) {
        this.store = store;
        this.context = context;
    }

    @SuppressWarnings("unchecked")
    <R> QueryResult<R> run(Query<R> query, PositionBound bound, QueryConfig config) {
        long start = config.isCollectExecutionInfo() ? System.nanoTime() : 0;
        Position position = store.getPosition();
        int partition = context.taskId().partition();
        QueryResult<R> result;
        synchronized (position) {
            if (!KAFKA_QUERY_TYPES.contains(query.getClass())) {
                result = QueryResult.forUnknownQueryType(query, store);
            } else if (!reached(position, bound, partition)) {
                result = QueryResult.notUpToBound(position, bound, partition);
            } else if (!(query instanceof KeyQuery<?, ?>) && !(query instanceof RangeQuery<?, ?>)) {
                result = QueryResult.forUnknownQueryType(query, store);
            } else {
                try {
                    result = query instanceof KeyQuery<?, ?> key
                            ? (QueryResult<R>) QueryResult.forResult(store.get((Bytes) key.getKey()))
                            : (QueryResult<R>) QueryResult.forResult(range((RangeQuery<Bytes, byte[]>) query));
                } catch (RuntimeException e) {
                    result = QueryResult.forFailure(FailureReason.STORE_EXCEPTION, "store " + store.name() + " failed "
                            + query + ": " + e);
                }
            }
            if (config.isCollectExecutionInfo()) {
                result.addExecutionInfo("Handled in " + store.getClass() + " in " + (System.nanoTime() - start) + "ns");
            }
            result.setPosition(position.copy());
        }
        return result;
    }

    private KeyValueIterator<Bytes, byte[]> range(RangeQuery<Bytes, byte[]> query) {
        Bytes lower = query.getLowerBound().orElse(null);
        Bytes upper = query.getUpperBound().orElse(null);
        return query.resultOrder() == ResultOrder.DESCENDING ? store.reverseRange(lower, upper) : store.range(lower, upper);
    }

    /**
     * Whether {@code position} has reached {@code bound} for {@code partition}: every topic the bound names
     * for this partition must have been seen here at that offset or later. Topics the bound names only for
     * other partitions do not constrain this task.
     */
    static boolean reached(Position position, PositionBound bound, int partition) {
        Position wanted = bound.position();
        for (String topic : wanted.getTopics()) {
            Long need = wanted.getPartitionPositions(topic).get(partition);
            if (need == null) {
                continue;
            }
            Map<Integer, Long> seen = position.getPartitionPositions(topic);
            Long have = seen.get(partition);
            if (have == null || have < need) {
                return false;
            }
        }
        return true;
    }
}
