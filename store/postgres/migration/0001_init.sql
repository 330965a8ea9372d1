-- 0001_init: the first PostgreSQL schema of a kizuna node. It mirrors the
-- SQLite schema: timestamps are BIGINT microseconds since the Unix epoch, so
-- that versions compare as instants whatever their textual form.

CREATE TABLE collections (
	seq                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id                   TEXT   NOT NULL UNIQUE,
	title                TEXT   NOT NULL,
	description          TEXT   NOT NULL,
	alias                TEXT   UNIQUE, -- NULL when the collection has none
	can_read             TEXT   NOT NULL, -- AccessRule as JSON
	can_write            TEXT   NOT NULL, -- AccessRule as JSON
	default_marking_refs TEXT   NOT NULL, -- JSON array
	created_at           BIGINT NOT NULL,
	-- The date_added of the newest version. Writers lock this row for the
	-- length of their transaction, so that date_added follows commit order.
	last_added           BIGINT NOT NULL DEFAULT 0
);

-- labels holds each distinct access label once. Identity values are never
-- reused, even by a rolled-back insert.
CREATE TABLE labels (
	id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	encoding TEXT   NOT NULL UNIQUE
);

CREATE TABLE objects (
	pk                BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	collection        BIGINT  NOT NULL REFERENCES collections (seq),
	date_added        BIGINT  NOT NULL,
	id                TEXT    NOT NULL,
	version           BIGINT  NOT NULL,
	type              TEXT    NOT NULL,
	spec_version      TEXT    NOT NULL,
	created           BIGINT,
	modified          BIGINT,
	revoked           BOOLEAN NOT NULL,
	created_by_ref    TEXT    NOT NULL,
	marking_refs      TEXT,
	granular_markings TEXT,
	label_id          BIGINT  NOT NULL REFERENCES labels (id),
	portions          TEXT,
	hash              TEXT    NOT NULL,
	origin            TEXT    NOT NULL,
	raw               BYTEA   NOT NULL -- the JSON exactly as received
);

-- See the SQLite schema for the reasons of each index; label_id is in the
-- page indexes so that the scope is checked before the row is read.
CREATE UNIQUE INDEX objects_page ON objects (collection, date_added) INCLUDE (label_id);
CREATE INDEX objects_type_page ON objects (collection, type, date_added) INCLUDE (label_id);
CREATE UNIQUE INDEX objects_version ON objects (collection, id, version) INCLUDE (label_id, spec_version);
-- For a reader whose scope admits few rows of a large collection: the
-- planner reads those rows directly and sorts them instead of walking the
-- whole collection.
CREATE INDEX objects_label_page ON objects (collection, label_id, date_added);

CREATE TABLE principals (
	seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id           TEXT   NOT NULL UNIQUE,
	name         TEXT   NOT NULL UNIQUE,
	organization TEXT   NOT NULL,
	nation       TEXT   NOT NULL,
	clearances   TEXT   NOT NULL,
	communities  TEXT   NOT NULL,
	roles        TEXT   NOT NULL,
	token_hash   BYTEA  UNIQUE,
	created_at   BIGINT NOT NULL,
	revoked_at   BIGINT
);

CREATE TABLE statuses (
	id           TEXT   PRIMARY KEY,
	collection   TEXT   NOT NULL,
	principal    TEXT   NOT NULL,
	status       TEXT   NOT NULL,
	request_time BIGINT NOT NULL,
	total        BIGINT NOT NULL,
	successes    TEXT   NOT NULL,
	failures     TEXT   NOT NULL,
	pendings     TEXT   NOT NULL
);

CREATE TABLE audit (
	seq       BIGINT PRIMARY KEY,
	time      BIGINT NOT NULL,
	principal TEXT   NOT NULL,
	action    TEXT   NOT NULL,
	object    TEXT   NOT NULL,
	decision  TEXT   NOT NULL,
	reason    TEXT   NOT NULL,
	prev_hash TEXT   NOT NULL,
	hash      TEXT   NOT NULL
);

-- The audit log is append-only: UPDATE, DELETE and TRUNCATE raise.
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit log is append-only' USING ERRCODE = 'KZ001';
END;
$$;

CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
	FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
	FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
