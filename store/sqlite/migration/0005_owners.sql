-- 0005_owners: the node-wide owner record of every object id.
--
-- An id has one owner on the whole node, whatever collections hold its
-- versions: the organisation named by created_by_ref of its first version,
-- else the organisation that stored that version. content is, for a
-- marking-definition, the hash of its one definition (an id means one
-- definition on the node); for a cyber observable, the key of the content
-- its owner stored last; '' otherwise. The writer reads and writes these
-- rows inside the transaction that stores a version, so that two first
-- versions of one id in two collections cannot both make a record.
CREATE TABLE owners (
	id           TEXT NOT NULL PRIMARY KEY,
	organization TEXT NOT NULL,
	content      TEXT NOT NULL
) WITHOUT ROWID;

-- The ids stored before this migration get a record from their first
-- stored version (by date_added): its created_by_ref, '' when it has none
-- (the storing organisation was not recorded, so nobody but the host
-- operator's imports may change such an id). A marking-definition id
-- stored with a single content keeps that definition; one stored with
-- several contents (a definition was taken over) is 'contested': it
-- resolves to no definition, so new objects cannot use it, until the host
-- operator imports the definition that stands. An observable's content key is not computed here:
-- '' lets only identical re-posts through.
INSERT INTO owners (id, organization, content)
SELECT f.id, f.created_by_ref,
	CASE
		WHEN f.type <> 'marking-definition' THEN ''
		WHEN d.contents = 1 THEN f.hash
		ELSE 'contested'
	END
FROM (
	SELECT id, type, created_by_ref, hash,
		ROW_NUMBER() OVER (PARTITION BY id ORDER BY date_added, pk) AS n
	FROM objects
) f
LEFT JOIN (
	SELECT id, COUNT(DISTINCT hash) AS contents FROM objects
	WHERE type = 'marking-definition' GROUP BY id
) d ON d.id = f.id
WHERE f.n = 1;
