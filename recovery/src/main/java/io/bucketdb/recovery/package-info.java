/** The journal, checkpoints and replay on open (DESIGN.md, section 3). */
package io.bucketdb.recovery;
