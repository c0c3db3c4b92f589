/** The bucketdb command-line tool. */
module io.bucketdb.tools {
    requires io.bucketdb.index;
    requires info.picocli;
    opens io.bucketdb.tools to info.picocli;
}
