/**
 * The table's seeded 64-bit hash. Its output decides where every entry lives on disk, so it is
 * part of the file format: it must never change for a given key and seed.
 */
package io.bucketdb.hash;
