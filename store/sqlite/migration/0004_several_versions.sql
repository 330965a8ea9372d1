-- 0004_several_versions: a mark on the rows of ids with more than one version.
--
-- A page of the first or last versions must check, for each row, that no
-- version of the same id the reader may see comes before or after it: an
-- index lookup per row, about a third of such a page's work, although most
-- ids have one version only. several is 0 when the row's id certainly has
-- no other version in its collection, so that the lookup is skipped, and 1
-- when it has, or once had, another. Deleting versions leaves it 1, which
-- only costs the lookup.
--
-- (Numbered 0004: 0003 is the id index migration.)
ALTER TABLE objects ADD COLUMN several INTEGER NOT NULL DEFAULT 0;

UPDATE objects SET several = 1
WHERE EXISTS (SELECT 1 FROM objects v
	WHERE v.collection = objects.collection AND v.id = objects.id AND v.pk <> objects.pk);

-- Every insert keeps the mark, in the inserting transaction: when the new
-- row's id has another version, all its rows (the new one included) are
-- marked.
CREATE TRIGGER objects_several AFTER INSERT ON objects
WHEN EXISTS (SELECT 1 FROM objects v
	WHERE v.collection = NEW.collection AND v.id = NEW.id AND v.pk <> NEW.pk)
BEGIN
	UPDATE objects SET several = 1
	WHERE collection = NEW.collection AND id = NEW.id AND several = 0;
END;
