/** The bucketdb command-line tool. */
module io.bucketdb.tools {
    requires io.bucketdb.index;
    requires io.bucketdb.recovery; // journal checks and replay (verify, salvage)
    requires info.picocli;
    requires org.apache.commons.io;
    requires mapdb; // automatic module (MapDB 3.1 names none)
    opens io.bucketdb.tools to info.picocli;
}
