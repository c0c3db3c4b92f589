/**
 * The table's seeded 64-bit key hashes. Their output decides where every entry lives on disk, so
 * each is part of the file format: it must never change for a given key and seed. The header
 * names which one a file uses ({@link io.bucketdb.hash.KeyHash#of}): {@link io.bucketdb.hash.KeyedRapidHash}
 * for every file created since format version 3, {@link io.bucketdb.hash.RapidHash} (public
 * secrets, open to hash flooding) for the files created before.
 */
package io.bucketdb.hash;
