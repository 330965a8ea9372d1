// Package stix parses and validates STIX 2.1 objects, computes their RFC 8785
// canonical JSON and deterministic cyber-observable identifiers, and streams
// objects out of bundles without holding a whole bundle in memory.
//
// Validation follows the STIX 2.1 specification: a violation of a MUST is an
// error and the object is refused; a violation of a SHOULD is a warning and
// the object is accepted. An indicator's STIX pattern is parsed and checked
// with the object (package pattern). Language tags, character sets and
// CPE names are checked against their registries and grammars
// (registries_table.go). docs/interop.md compares the verdicts with the OASIS
// stix2-validator's. Every problem names the object id and the JSON path
// of the offending value ("$.valid_until", "$.external_references[0].url",
// "$.hashes['SHA-256']"), so that a producer can fix its data.
//
// The entry points:
//
//   - Parse and ParseWithWarnings validate one object and return its
//     envelope (kizuna.Object) with its exact bytes and the hash of its
//     canonical form; Validate lists every problem of an object or a bundle.
//   - Canonical returns the RFC 8785 form used for hashes, deterministic
//     identifiers and signatures; SCOID computes the UUIDv5 identifier of a
//     cyber-observable.
//   - Decoder streams the objects of a bundle, a list or a single object.
//   - ParseTimestamp, FormatTimestamp and FormatTAXIITimestamp read and write
//     STIX and TAXII timestamps.
//
// JSON is read strictly, as I-JSON (RFC 7493): duplicate member names,
// invalid UTF-8 and lone surrogates are refused, since they would let two
// readers see different objects behind one hash.
package stix
