-- 0001_audit: the audit log in a database file of its own.
--
-- Every commit to a SQLite database makes each other connection to it drop
-- its page cache. The audit log is written on reads (one record per page of
-- classified reads), so in the object database each of those commits would
-- send every reader back to the disk, or the memory map, for the pages of
-- the id index. In a file of its own it leaves the object readers alone.

-- audit is the append-only, hash-chained audit log.
CREATE TABLE audit (
	seq       INTEGER PRIMARY KEY,
	time      INTEGER NOT NULL,
	principal TEXT    NOT NULL,
	action    TEXT    NOT NULL,
	object    TEXT    NOT NULL,
	decision  TEXT    NOT NULL,
	reason    TEXT    NOT NULL,
	prev_hash TEXT    NOT NULL,
	hash      TEXT    NOT NULL
);

-- The audit log is append-only even for a process that holds the database:
-- rewriting history needs a schema change, which is itself visible.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
	SELECT RAISE(ABORT, 'audit log is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
	SELECT RAISE(ABORT, 'audit log is append-only');
END;
