-- 0005_node_state: the node's own documents (identity, keys, peers,
-- federation cursors and deletion queue, classification configuration),
-- so that every instance serving this database is the same node. The
-- node's private keys are stored sealed by the node (see node/keyseal.go).
CREATE TABLE node_state (
	name    TEXT   PRIMARY KEY,
	data    BYTEA  NOT NULL,
	updated BIGINT NOT NULL
);
