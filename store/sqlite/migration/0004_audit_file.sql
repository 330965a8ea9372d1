-- 0004_audit_file: the audit log moves to a database file of its own (see
-- audit_migration/0001_audit.sql for why). Open copies the rows of this
-- table into that file, in a committed transaction, before this migration
-- runs; a copy interrupted before it is finished again by the next Open,
-- which copies only the rows the file lacks.
DROP TRIGGER audit_no_update;
DROP TRIGGER audit_no_delete;
DROP TABLE audit;
