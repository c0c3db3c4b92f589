package io.bucketdb.storage.sim;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The directory tree, now and durably, as a file system keeps it: directory entries map a name inside a
 * directory <em>inode</em> ({@link Dir}) to a file ({@link FileHistory}) or another directory. Creating a file
 * or a directory, renaming and deleting change the current entries at once, as the file system does, but reach
 * the durable entries only when {@link #sync} of the directory that holds the entry covers them (POSIX makes a
 * directory entry durable only by {@code fsync} of that directory; a new directory needs its parent synced).
 * Because entries hang off inodes, not paths, a renamed directory takes its files with it, and a directory
 * whose own entry was lost in a crash takes everything in it along. Guarded by the simulator's lock. Paths
 * are absolute and normalized.
 *
 * <p>At a crash each unsynced operation independently happened or not, with one rule that keeps the model
 * sound: an operation on an entry happens only if every earlier unsynced operation on that entry did (a file
 * system does not reorder operations on the same entry).
 *
 * <p>A failed {@link #failedSync sync} leaves the operations it was to make durable <em>doubtful</em>: the
 * directory's write-back may or may not have reached the disk, and on Linux a later sync succeeds without
 * retrying it. Each crash image decides a doubtful operation like an unsynced one, and a later successful
 * sync never makes it durable; a later synced operation on the same entry is kept exactly when the doubtful
 * one before it is.
 */
final class Namespace {

    /** A directory inode: it keeps its entries across renames. Identity is what counts. */
    static final class Dir {
        @Override
        public String toString() {
            return "Dir@" + Integer.toHexString(System.identityHashCode(this));
        }
    }

    /** One directory entry: a name inside a directory inode. */
    record Key(Dir parent, String name) {
    }

    private final Map<Path, Dir> roots = new HashMap<>();
    private final Map<Key, Object> current = new HashMap<>();
    private final Map<Key, Object> durable = new HashMap<>();
    private final List<DirOp> unsynced = new ArrayList<>();

    /** The file {@code name} refers to now, or {@code null}. Adopts nothing. */
    FileHistory lookup(Path name) {
        Key key = existingKey(name);
        return key != null && current.get(key) instanceof FileHistory file ? file : null;
    }

    /** The bytes the files with a name take now (their sizes less their punched holes): what the space limit counts. */
    long bytesInUse() {
        long sum = 0;
        for (Object node : current.values()) {
            if (node instanceof FileHistory file) {
                sum += file.allocatedBytes();
            }
        }
        return sum;
    }

    /** Whether {@code name} is a directory the simulator knows now (created or adopted). */
    boolean isKnownDirectory(Path name) {
        Key key = existingKey(name);
        return key != null && current.get(key) instanceof Dir;
    }

    /**
     * The directory at {@code dir} now, adopting as durable every directory on the way that exists on disk but
     * was never seen (it was there before the simulator, or made outside it); {@code null} if none is there.
     */
    Dir directory(Path dir) {
        Path root = dir.getRoot();
        Dir at = roots.computeIfAbsent(root, r -> new Dir());
        Path prefix = root;
        for (Path component : root.relativize(dir)) {
            prefix = prefix.resolve(component);
            Key key = new Key(at, component.toString());
            Object node = current.get(key);
            if (node == null && Files.isDirectory(prefix, LinkOption.NOFOLLOW_LINKS)) {
                node = new Dir();
                current.put(key, node);
                durable.putIfAbsent(key, node);
            }
            if (!(node instanceof Dir d)) {
                return null;
            }
            at = d;
        }
        return at;
    }

    /** Takes over a file that existed before the simulator saw it: its entry and bytes count as durable. */
    void adopt(Path name, FileHistory file) {
        Key key = key(name);
        current.put(key, file);
        durable.putIfAbsent(key, file);
    }

    void created(Path name, FileHistory file) {
        record(new Create(key(name), file));
    }

    /** Records a directory made by {@code mkdir}; its parent must be known (create parents first). */
    void createdDirectory(Path name) {
        record(new Create(key(name), new Dir()));
    }

    void renamed(Path source, Path target) {
        record(new Rename(key(source), key(target)));
    }

    void deleted(Path name) {
        record(new Delete(key(name)));
    }

    /**
     * Makes durable every unsynced operation with an entry in {@code dir}, and every earlier one on the same
     * entries, which the file system must have done first; operations that wait on a doubtful one stay
     * undecided (see the class comment).
     */
    void sync(Path dir) {
        settle(directory(dir), false);
    }

    /** What a failed sync of {@code dir} leaves: the operations it covers become doubtful. */
    void failedSync(Path dir) {
        settle(directory(dir), true);
    }

    private void settle(Dir dir, boolean failed) {
        if (dir == null) {
            return;
        }
        Set<Key> entries = new HashSet<>();
        boolean[] chosen = new boolean[unsynced.size()];
        for (int i = unsynced.size() - 1; i >= 0; i--) {
            DirOp op = unsynced.get(i);
            if (op.keys().stream().anyMatch(k -> k.parent() == dir || entries.contains(k))) {
                chosen[i] = true;
                entries.addAll(op.keys());
            }
        }
        Set<Key> tainted = new HashSet<>();
        List<DirOp> remaining = new ArrayList<>();
        for (int i = 0; i < chosen.length; i++) {
            DirOp op = unsynced.get(i);
            if (!chosen[i]) {
                remaining.add(op);
            } else if (failed || op.state() != State.PENDING || op.keys().stream().anyMatch(tainted::contains)) {
                State next = failed && op.state() == State.PENDING ? State.DOUBTFUL
                        : op.state() == State.PENDING ? State.AFTER_DOUBT : op.state();
                tainted.addAll(op.keys());
                remaining.add(op.in(next));
            } else {
                op.applyTo(durable);
            }
        }
        unsynced.clear();
        unsynced.addAll(remaining);
    }

    /**
     * The entries a power loss now could leave, with the operations chosen by {@code chooser} in the order
     * they were made, each asked once unless an earlier one on the same entry was lost.
     */
    Map<Key, Object> crashEntries(CrashChooser chooser) {
        Map<Key, Object> entries = new HashMap<>(durable);
        Set<Key> lost = new HashSet<>();
        for (DirOp op : unsynced) {
            boolean mayHappen = op.keys().stream().noneMatch(lost::contains);
            if (mayHappen && (op.state() == State.AFTER_DOUBT || chooser.keep())) {
                op.applyTo(entries);
            } else {
                lost.addAll(op.keys());
            }
        }
        return entries;
    }

    /**
     * The tree under {@code dir} in {@code entries} (from {@link #crashEntries}), as paths relative to it in
     * path order: a {@link Dir} or a {@link FileHistory} each. Empty if {@code dir} itself is not there.
     */
    TreeMap<Path, Object> tree(Map<Key, Object> entries, Path dir) {
        Map<Dir, Map<String, Object>> children = new IdentityHashMap<>();
        entries.forEach((key, node) -> children.computeIfAbsent(key.parent(), d -> new HashMap<>()).put(key.name(), node));
        TreeMap<Path, Object> tree = new TreeMap<>();
        Object at = roots.get(dir.getRoot());
        for (Path component : dir.getRoot().relativize(dir)) {
            at = at instanceof Dir d ? children.getOrDefault(d, Map.of()).get(component.toString()) : null;
        }
        if (at instanceof Dir top) {
            walk(children, top, dir.getFileSystem().getPath(""), tree, new HashSet<>());
        }
        return tree;
    }

    private static void walk(Map<Dir, Map<String, Object>> children, Dir dir, Path relative, TreeMap<Path, Object> tree,
            Set<Dir> seen) {
        if (!seen.add(dir)) {
            return; // a directory is reachable once; a cycle from lost renames is never reached from the root
        }
        for (Map.Entry<String, Object> entry : children.getOrDefault(dir, Map.of()).entrySet()) {
            Path path = relative.resolve(entry.getKey());
            tree.put(path, entry.getValue());
            if (entry.getValue() instanceof Dir sub) {
                walk(children, sub, path, tree, seen);
            }
        }
    }

    /** The entry for {@code name}; its parent directory must exist now. */
    private Key key(Path name) {
        Dir parent = directory(name.getParent());
        if (parent == null) {
            throw new IllegalStateException("no directory " + name.getParent() + " for " + name);
        }
        return new Key(parent, name.getFileName().toString());
    }

    /** The entry for {@code name} if its parent is known now, without adopting anything. */
    private Key existingKey(Path name) {
        Path parentPath = name.getParent();
        if (parentPath == null) {
            return null;
        }
        Object at = roots.get(name.getRoot());
        for (Path component : name.getRoot().relativize(parentPath)) {
            at = at instanceof Dir d ? current.get(new Key(d, component.toString())) : null;
        }
        return at instanceof Dir parent ? new Key(parent, name.getFileName().toString()) : null;
    }

    private void record(DirOp op) {
        op.applyTo(current);
        unsynced.add(op);
    }

    /** Where an operation not yet durable stands. */
    private enum State {
        /** Not synced yet: a crash keeps it or not. */
        PENDING,
        /** Its sync failed: a crash keeps it or not, and no later sync makes it durable. */
        DOUBTFUL,
        /** Synced, but after a doubtful operation on the same entry: kept exactly when that one is. */
        AFTER_DOUBT
    }

    /** A change to directory entries. */
    private sealed interface DirOp {
        List<Key> keys();

        State state();

        DirOp in(State state);

        void applyTo(Map<Key, Object> entries);
    }

    /** A new file or directory under a name. */
    private record Create(Key key, Object node, State state) implements DirOp {
        Create(Key key, Object node) {
            this(key, node, State.PENDING);
        }

        @Override
        public List<Key> keys() {
            return List.of(key);
        }

        @Override
        public DirOp in(State next) {
            return new Create(key, node, next);
        }

        @Override
        public void applyTo(Map<Key, Object> entries) {
            entries.put(key, node);
        }
    }

    /**
     * Moves a file or directory to a new entry, replacing what was there. Replacing a directory that still has
     * entries in a crash image (their deletes were lost) drops them with it: the image is then the one in which
     * those deletes happened, which the file system could have left.
     */
    private record Rename(Key source, Key target, State state) implements DirOp {
        Rename(Key source, Key target) {
            this(source, target, State.PENDING);
        }

        @Override
        public List<Key> keys() {
            return List.of(source, target);
        }

        @Override
        public DirOp in(State next) {
            return new Rename(source, target, next);
        }

        @Override
        public void applyTo(Map<Key, Object> entries) {
            if (!source.equals(target)) {
                Object node = entries.remove(source);
                if (node != null) {
                    entries.put(target, node);
                }
            }
        }
    }

    /** Removes an entry; a directory removed while its entries survive in an image takes them along, as above. */
    private record Delete(Key key, State state) implements DirOp {
        Delete(Key key) {
            this(key, State.PENDING);
        }

        @Override
        public List<Key> keys() {
            return List.of(key);
        }

        @Override
        public DirOp in(State next) {
            return new Delete(key, next);
        }

        @Override
        public void applyTo(Map<Key, Object> entries) {
            entries.remove(key);
        }
    }
}
