// Package kizuna holds the domain of a kizuna node: STIX objects and their
// versions, collections, principals, access labels, status resources and the
// audit log, together with the service interfaces the adapters implement.
//
// The package imports only the standard library. Adapters (store/sqlite,
// taxii, policy, ...) depend on it; it depends on none of them.
package kizuna

// Version is the version of this build, set by the linker
// (-ldflags "-X github.com/kizuna-dev/kizuna.Version=...").
var Version = "0.1.0-dev"

// Commit is the source revision of this build, set by the linker.
var Commit = ""
