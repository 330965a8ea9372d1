-- 0006_objects_no_foreign_keys: objects no longer declares foreign keys to
-- collections and labels. PostgreSQL checked both for every inserted row
-- with a query of its own (two queries per object, 40 % of the server's
-- time in an import), and they guard nothing the store does not already
-- hold: a writer takes the collection's seq from the row it locks, no
-- collection is ever deleted, and a label id comes from the labels table
-- in the writer's own transaction or from a committed label, which is
-- never deleted (a writer deletes only labels it inserted itself and that
-- none of its rows uses, before it commits).
ALTER TABLE objects
	DROP CONSTRAINT IF EXISTS objects_collection_fkey,
	DROP CONSTRAINT IF EXISTS objects_label_id_fkey;
