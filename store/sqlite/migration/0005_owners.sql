-- 0005_owners: the node-wide owner record of every object id.
--
-- An id has one owner on the whole node, whatever collections hold its
-- versions: the organisation named by created_by_ref of its first version,
-- else the organisation that stored that version; and, for a
-- marking-definition, the one definition (its hash); for a cyber
-- observable, the key of the content its owner stored last.
--
-- Most records are carried by the id's first stored row (the one with the
-- smallest pk, whatever its collection): its owner, else its
-- created_by_ref, and its hash for a marking-definition. So an import of new
-- ids writes no index of its own: the rows are found through the
-- (collection, id, ...) index, whose entries hold the pk. The table owners
-- holds the records no row carries, and then takes precedence: an
-- observable's (its content key changes), a record pinned when versions of
-- its id are deleted (so that deleting never moves the record to another
-- row), a contested or settled marking-definition. The writer reads and
-- writes both inside the transaction that stores a version, and SQLite has
-- one writer: two first versions of one id in two collections cannot both
-- make a record.
ALTER TABLE objects ADD COLUMN owner TEXT; -- on the row that made its id's record, when not its created_by_ref

CREATE TABLE owners (
	id           TEXT NOT NULL PRIMARY KEY,
	organization TEXT NOT NULL,
	content      TEXT NOT NULL
) WITHOUT ROWID;

-- The ids stored before this migration keep the record of their first
-- row: its created_by_ref ('' when it had none: the storing organisation
-- was not recorded, so only the host operator's imports change such an
-- id), its hash for a marking-definition. A marking-definition id stored
-- with several contents (a definition was taken over) is 'contested': it
-- resolves to no definition, so new objects cannot use it, until the host
-- operator imports the definition that stands.
INSERT INTO owners (id, organization, content)
SELECT o.id, o.created_by_ref, 'contested'
FROM objects o
JOIN (
	SELECT id, MIN(pk) AS first FROM objects WHERE type = 'marking-definition'
	GROUP BY id HAVING COUNT(DISTINCT hash) > 1
) d ON o.pk = d.first;
