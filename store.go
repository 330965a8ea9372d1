package kizuna

import "io"

// Store is everything a node persists. Both store/sqlite and store/postgres
// implement it, and store/storetest holds the acceptance suite they share.
type Store interface {
	ObjectStore
	LabelStore
	MarkingStore
	CollectionStore
	PrincipalStore
	StatusStore
	AuditStore
	AuditHeadStore
	WitnessStore
	io.Closer
}
