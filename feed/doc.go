// Package feed writes what a reader may read in the formats the tools of a
// security operations centre read: Suricata and Snort rules (with the hash
// list files Suricata's filemd5, filesha1 and filesha256 keywords load),
// plain blocklists, CSV and MISP event JSON.
//
// Every exporter reads a stream of object versions that the caller has
// already passed through the access decision (an Objects iterator over the
// guarded store), so that an export never holds more than it writes and a
// reader's export holds nothing the reader may not read. Each exporter
// returns a Report: what it wrote, and every object it left out with the
// reason (a pattern that no rule can express, a marking a format cannot
// carry, an expired or revoked indicator). Nothing is dropped silently.
//
// Output is deterministic: the same objects in the same order give the same
// bytes, rule ids are derived from the indicator id and the rule's purpose,
// and blocklists are sorted. ETag computes a validator from the ids,
// versions and labels of the objects an export would read, so that an HTTP
// poll that finds nothing new can be answered with 304 before any object is
// read in full.
package feed
