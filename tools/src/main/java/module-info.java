/** The bucketdb command-line tool. */
module io.bucketdb.tools {
    requires io.bucketdb.index;
    requires io.bucketdb.recovery; // JournalOptions, which Options.withJournal takes
    requires info.picocli;
    requires org.apache.commons.io;
    opens io.bucketdb.tools to info.picocli;
}
