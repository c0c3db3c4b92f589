package io.bucketdb.storage.sim;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which name refers to which simulated file, now and durably. Creating, renaming and deleting change the
 * current names at once, as the file system does, but reach the durable names only when {@link #sync} of
 * an affected directory covers them (POSIX makes a directory entry durable only by {@code fsync} of the
 * directory). Guarded by the simulator's lock. Paths are absolute and normalized.
 *
 * <p>At a crash each unsynced operation independently happened or not, with one rule that keeps the model
 * sound: an operation on a name happens only if every earlier unsynced operation on that name did (a file
 * system does not reorder operations on the same entry).
 */
final class Namespace {

    private final Map<Path, FileHistory> current = new HashMap<>();
    private final Map<Path, FileHistory> durable = new HashMap<>();
    private final List<DirOp> unsynced = new ArrayList<>();
    private final Set<Path> known = new HashSet<>();

    /** The file {@code name} refers to now, or {@code null}. */
    FileHistory lookup(Path name) {
        return current.get(name);
    }

    /** Whether the simulator has seen {@code name}; files under the root it never saw are copied as they are. */
    boolean isKnown(Path name) {
        return known.contains(name);
    }

    /** Takes over a file that existed before the simulator saw it: its name and bytes count as durable. */
    void adopt(Path name, FileHistory file) {
        known.add(name);
        current.put(name, file);
        durable.putIfAbsent(name, file);
    }

    void created(Path name, FileHistory file) {
        record(new Create(name, file));
    }

    void renamed(Path source, Path target) {
        record(new Rename(source, target));
    }

    void deleted(Path name) {
        record(new Delete(name));
    }

    /**
     * Makes durable every unsynced operation with an entry in {@code dir}, and every earlier one on the same
     * names, which the file system must have done first.
     */
    void sync(Path dir) {
        Set<Path> names = new HashSet<>();
        boolean[] chosen = new boolean[unsynced.size()];
        for (int i = unsynced.size() - 1; i >= 0; i--) {
            DirOp op = unsynced.get(i);
            if (op.inDirectory(dir) || op.names().stream().anyMatch(names::contains)) {
                chosen[i] = true;
                names.addAll(op.names());
            }
        }
        List<DirOp> remaining = new ArrayList<>();
        for (int i = 0; i < chosen.length; i++) {
            if (chosen[i]) {
                unsynced.get(i).applyTo(durable);
            } else {
                remaining.add(unsynced.get(i));
            }
        }
        unsynced.clear();
        unsynced.addAll(remaining);
    }

    /** The names a power loss now could leave, in path order, with the operations chosen by {@code chooser}. */
    TreeMap<Path, FileHistory> crashNames(CrashChooser chooser) {
        Map<Path, FileHistory> names = new HashMap<>(durable);
        Set<Path> lost = new HashSet<>();
        for (DirOp op : unsynced) {
            boolean mayHappen = op.names().stream().noneMatch(lost::contains);
            if (mayHappen && chooser.keep()) {
                op.applyTo(names);
            } else {
                lost.addAll(op.names());
            }
        }
        return new TreeMap<>(names);
    }

    private void record(DirOp op) {
        known.addAll(op.names());
        op.applyTo(current);
        unsynced.add(op);
    }

    /** A change to directory entries. */
    private sealed interface DirOp {
        List<Path> names();

        void applyTo(Map<Path, FileHistory> names);

        default boolean inDirectory(Path dir) {
            return names().stream().anyMatch(name -> Objects.equals(name.getParent(), dir));
        }
    }

    private record Create(Path name, FileHistory file) implements DirOp {
        @Override
        public List<Path> names() {
            return List.of(name);
        }

        @Override
        public void applyTo(Map<Path, FileHistory> names) {
            names.put(name, file);
        }
    }

    private record Rename(Path source, Path target) implements DirOp {
        @Override
        public List<Path> names() {
            return List.of(source, target);
        }

        @Override
        public void applyTo(Map<Path, FileHistory> names) {
            FileHistory file = names.remove(source);
            if (file != null) {
                names.put(target, file);
            }
        }
    }

    private record Delete(Path name) implements DirOp {
        @Override
        public List<Path> names() {
            return List.of(name);
        }

        @Override
        public void applyTo(Map<Path, FileHistory> names) {
            names.remove(name);
        }
    }
}
