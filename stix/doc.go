// Package stix parses and validates STIX 2.1 objects, computes their RFC 8785
// canonical JSON and deterministic cyber-observable identifiers, and streams
// objects out of bundles without holding a whole bundle in memory.
//
// Validation follows the STIX 2.1 specification: a violation of a MUST is an
// error and the object is refused; a violation of a SHOULD is a warning and
// the object is accepted. Every problem names the object id and the JSON path
// of the offending value, so that a producer can fix its data.
package stix
