-- 0003_version_index: one index on (collection, id, version) instead of two.
--
-- objects_version (unique) and objects_version_scope (the same key with
-- label_id and spec_version) were both keyed by the object id, a random
-- UUID: each new version inserted an entry at a random place in each, so
-- each dirtied a page of its own per object, and at a million objects
-- these two indexes were most of the pages a bulk import wrote. One index
-- with all five columns serves the id lookups and the version subqueries
-- (which read it as a covering index, as before).
DROP INDEX objects_version_scope;
DROP INDEX objects_version;
CREATE INDEX objects_version ON objects (collection, id, version, label_id, spec_version);

-- The index no longer enforces one row per (collection, id, version); this
-- trigger does, on the same index entries that the insert then writes.
-- RAISE(IGNORE) drops the row without an error, as ON CONFLICT DO NOTHING
-- did: the writer then finds the stored version and compares its content.
CREATE TRIGGER objects_version_unique BEFORE INSERT ON objects
WHEN EXISTS (SELECT 1 FROM objects WHERE collection = NEW.collection AND id = NEW.id AND version = NEW.version)
BEGIN
	SELECT RAISE(IGNORE);
END;
