-- 0002_owners: the node-wide owner record of every object id; see the
-- SQLite migration 0005_owners for what the columns mean. Writers insert a
-- record with ON CONFLICT DO NOTHING and lock the records they read, inside
-- the transaction that stores the version, so that two first versions of
-- one id in two collections (two writers that hold different collection
-- locks) cannot both make a record: the second waits for the first and
-- finds the record taken.
CREATE TABLE owners (
	id           TEXT NOT NULL PRIMARY KEY,
	organization TEXT NOT NULL,
	content      TEXT NOT NULL
);

-- The ids stored before this migration: the first stored version's
-- created_by_ref ('' when none); a marking-definition stored with several
-- contents is 'contested' and resolves to no definition.
INSERT INTO owners (id, organization, content)
SELECT f.id, f.created_by_ref,
	CASE
		WHEN f.type <> 'marking-definition' THEN ''
		WHEN d.contents = 1 THEN f.hash
		ELSE 'contested'
	END
FROM (
	SELECT DISTINCT ON (id) id, type, created_by_ref, hash
	FROM objects ORDER BY id, date_added, pk
) f
LEFT JOIN (
	SELECT id, COUNT(DISTINCT hash) AS contents FROM objects
	WHERE type = 'marking-definition' GROUP BY id
) d ON d.id = f.id;
