-- 0002_audit_heads: signed heads of the audit log, the receipts of the
-- peers that witnessed them, and the heads of peers' logs this node
-- witnessed, with the alarms raised by inconsistent ones.

-- audit_head holds this node's signed heads. A head is stored once per
-- (seq, hash); two hashes at one seq are a fork the node itself signed.
CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY,
	node TEXT    NOT NULL,
	seq  INTEGER NOT NULL,
	hash TEXT    NOT NULL,
	time INTEGER NOT NULL,
	key  TEXT    NOT NULL,
	sig  TEXT    NOT NULL,
	UNIQUE (seq, hash)
);

-- audit_receipt holds the witnesses' countersignatures of those heads.
CREATE TABLE audit_receipt (
	id        INTEGER PRIMARY KEY,
	witness   TEXT    NOT NULL,
	time      INTEGER NOT NULL,
	key       TEXT    NOT NULL,
	sig       TEXT    NOT NULL,
	node      TEXT    NOT NULL,
	seq       INTEGER NOT NULL,
	hash      TEXT    NOT NULL,
	head_time INTEGER NOT NULL,
	head_key  TEXT    NOT NULL,
	head_sig  TEXT    NOT NULL,
	UNIQUE (witness, seq, hash)
);
CREATE INDEX audit_receipt_seq ON audit_receipt (seq);

-- audit_witnessed holds the peers' heads this node witnessed: one hash per
-- node and seq (another is a fork, kept as an alarm).
CREATE TABLE audit_witnessed (
	node         TEXT    NOT NULL,
	seq          INTEGER NOT NULL,
	hash         TEXT    NOT NULL,
	time         INTEGER NOT NULL,
	key          TEXT    NOT NULL,
	sig          TEXT    NOT NULL,
	peer         TEXT    NOT NULL,
	witnessed_at INTEGER NOT NULL,
	PRIMARY KEY (node, seq)
);

-- audit_witness_alarm keeps each head that contradicted a witnessed one,
-- with that one: both signed by the node, they are evidence.
CREATE TABLE audit_witness_alarm (
	id           INTEGER PRIMARY KEY,
	kind         TEXT    NOT NULL,
	peer         TEXT    NOT NULL,
	time         INTEGER NOT NULL,
	node         TEXT    NOT NULL,
	seq          INTEGER NOT NULL,
	hash         TEXT    NOT NULL,
	head_time    INTEGER NOT NULL,
	key          TEXT    NOT NULL,
	sig          TEXT    NOT NULL,
	earlier_seq  INTEGER NOT NULL,
	earlier_hash TEXT    NOT NULL,
	earlier_time INTEGER NOT NULL,
	earlier_key  TEXT    NOT NULL,
	earlier_sig  TEXT    NOT NULL,
	UNIQUE (node, kind, seq, hash)
);
CREATE INDEX audit_witness_alarm_node ON audit_witness_alarm (node, id);

-- Like the log, these tables are append-only for a process that holds the
-- database.
CREATE TRIGGER audit_head_no_update BEFORE UPDATE ON audit_head
BEGIN SELECT RAISE(ABORT, 'audit heads are append-only'); END;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, 'audit heads are append-only'); END;
CREATE TRIGGER audit_receipt_no_update BEFORE UPDATE ON audit_receipt
BEGIN SELECT RAISE(ABORT, 'audit receipts are append-only'); END;
CREATE TRIGGER audit_receipt_no_delete BEFORE DELETE ON audit_receipt
BEGIN SELECT RAISE(ABORT, 'audit receipts are append-only'); END;
CREATE TRIGGER audit_witnessed_no_update BEFORE UPDATE ON audit_witnessed
BEGIN SELECT RAISE(ABORT, 'witnessed heads are append-only'); END;
CREATE TRIGGER audit_witnessed_no_delete BEFORE DELETE ON audit_witnessed
BEGIN SELECT RAISE(ABORT, 'witnessed heads are append-only'); END;
CREATE TRIGGER audit_witness_alarm_no_update BEFORE UPDATE ON audit_witness_alarm
BEGIN SELECT RAISE(ABORT, 'witness alarms are append-only'); END;
CREATE TRIGGER audit_witness_alarm_no_delete BEFORE DELETE ON audit_witness_alarm
BEGIN SELECT RAISE(ABORT, 'witness alarms are append-only'); END;
