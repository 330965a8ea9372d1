-- 0003_status_pending: the statuses still pending, which a node settles at
-- start (those its last run left unfinished), found without reading every
-- status the node ever answered.
CREATE INDEX statuses_pending ON statuses (request_time) WHERE status = 'pending';
