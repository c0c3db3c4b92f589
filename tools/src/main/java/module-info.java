/** The bucketdb command-line tool. */
module io.bucketdb.tools {
    requires io.bucketdb.index;
}
