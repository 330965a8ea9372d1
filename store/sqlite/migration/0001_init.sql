-- 0001_init: the first schema of a kizuna node.
--
-- Timestamps are INTEGER microseconds since the Unix epoch (UTC), so that
-- versions compare as instants whatever their textual form ("…00.000Z" and
-- "…00.000000Z" are the same version).

-- collections holds TAXII collections. seq is the internal key the object
-- rows refer to (smaller than the UUID); last_added is the date_added of the
-- newest object version, kept here so that the next one is computed inside
-- the write transaction that stores it.
CREATE TABLE collections (
	seq                  INTEGER PRIMARY KEY,
	id                   TEXT    NOT NULL UNIQUE,
	title                TEXT    NOT NULL,
	description          TEXT    NOT NULL,
	alias                TEXT    UNIQUE, -- NULL when the collection has none
	can_read             TEXT    NOT NULL, -- AccessRule as JSON
	can_write            TEXT    NOT NULL, -- AccessRule as JSON
	default_marking_refs TEXT    NOT NULL, -- JSON array of marking-definition ids
	created_at           INTEGER NOT NULL,
	last_added           INTEGER NOT NULL DEFAULT 0
);

-- labels holds each distinct access label once, keyed by its JSON encoding.
-- Label ids are never reused: a reader's access scope is a list of them.
CREATE TABLE labels (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	encoding TEXT NOT NULL UNIQUE
);

-- objects holds every version of every STIX object, per collection. raw is
-- the last column so that listings which do not need it never read its
-- overflow pages.
CREATE TABLE objects (
	pk                INTEGER PRIMARY KEY,
	collection        INTEGER NOT NULL REFERENCES collections (seq),
	date_added        INTEGER NOT NULL,
	id                TEXT    NOT NULL,
	version           INTEGER NOT NULL,
	type              TEXT    NOT NULL,
	spec_version      TEXT    NOT NULL,
	created           INTEGER, -- NULL when the object has no created
	modified          INTEGER, -- NULL when the object has no modified
	revoked           INTEGER NOT NULL,
	created_by_ref    TEXT    NOT NULL,
	marking_refs      TEXT,    -- JSON array, NULL when empty
	granular_markings TEXT,    -- JSON array, NULL when empty
	label_id          INTEGER NOT NULL REFERENCES labels (id),
	portions          TEXT,    -- JSON array of {selectors, label_id}, NULL when empty
	hash              TEXT    NOT NULL,
	origin            TEXT    NOT NULL,
	raw               BLOB    NOT NULL
);

-- Page queries walk one of two indexes in date_added order: the whole
-- collection, or one type of it. label_id is in both so that the access
-- scope is checked on the index entry, before the row is read: a reader who
-- may see few of the rows skips the others cheaply. date_added is unique per
-- collection by construction (one writer, last_added + 1), not by index.
CREATE INDEX objects_page ON objects (collection, date_added, label_id);
CREATE INDEX objects_type_page ON objects (collection, type, date_added, label_id);
-- One row per (id, version); serves id filters.
CREATE UNIQUE INDEX objects_version ON objects (collection, id, version);
-- Answers "the first or last version of this id that the reader may see"
-- from the index alone.
CREATE INDEX objects_version_scope ON objects (collection, id, version, label_id, spec_version);

CREATE TABLE principals (
	seq          INTEGER PRIMARY KEY,
	id           TEXT    NOT NULL UNIQUE,
	name         TEXT    NOT NULL UNIQUE,
	organization TEXT    NOT NULL,
	nation       TEXT    NOT NULL,
	clearances   TEXT    NOT NULL, -- JSON array of {scheme, level}
	communities  TEXT    NOT NULL, -- JSON array
	roles        TEXT    NOT NULL, -- JSON array
	token_hash   BLOB    UNIQUE,   -- NULL for a principal without a token
	created_at   INTEGER NOT NULL,
	revoked_at   INTEGER           -- NULL while the principal is active
);

-- statuses holds TAXII status resources; the detail lists are JSON arrays.
CREATE TABLE statuses (
	id           TEXT    PRIMARY KEY,
	collection   TEXT    NOT NULL,
	principal    TEXT    NOT NULL,
	status       TEXT    NOT NULL,
	request_time INTEGER NOT NULL,
	total        INTEGER NOT NULL,
	successes    TEXT    NOT NULL,
	failures     TEXT    NOT NULL,
	pendings     TEXT    NOT NULL
);

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
