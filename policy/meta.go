package policy

import (
	"context"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/stix"
)

// metaLabel returns the label of a meta object that carries no marking of
// its own, and whether obj is one. Meta objects are what a reader needs to
// interpret other objects, so they do not take the collection's default
// marking:
//
//   - a marking-definition is labelled with what it expresses, without its
//     TLP (a TLP level is no secret): a classification marking is readable
//     by exactly those who may read what it marks, a statement or TLP
//     marking by everyone who may read the collection, an uninterpretable
//     one by nobody (like what it marks);
//   - an extension-definition, a canonical object (reserved ids) and the
//     identity of an organisation the storing principal may name as
//     creator (its own, one it acts for; for the operator's imports, one
//     the request names as created_by_ref, or the operator's own) are
//     readable by everyone who may read the collection.
//
// Any other identity (a victim, a sector body) is an ordinary object.
func (p *Policy) metaLabel(ctx context.Context, obj *kizuna.Object) (kizuna.AccessLabel, bool, []string) {
	if _, canonical := canonicalHash(obj.ID); canonical {
		return kizuna.AccessLabel{}, true, nil
	}
	switch obj.Type {
	case "marking-definition":
		in := p.interpret(obj)
		l := in.label
		l.TLP = ""
		if len(in.reasons) > 0 {
			l.Uninterpretable = append(l.Uninterpretable, obj.ID)
		}
		return l, true, nil
	case "extension-definition":
		return kizuna.AccessLabel{}, true, nil
	case "identity":
		if p.isCreatorIdentity(ctx, obj) {
			return kizuna.AccessLabel{}, true, nil
		}
	}
	return kizuna.AccessLabel{}, false, nil
}

// isCreatorIdentity reports whether the identity obj is one that the work
// in ctx may name as the creator of objects.
func (p *Policy) isCreatorIdentity(ctx context.Context, obj *kizuna.Object) bool {
	if w := operatorFrom(ctx); w != nil {
		return obj.ID == w.org || w.creators[obj.ID]
	}
	_, ok := p.actsAs(kizuna.PrincipalFromContext(ctx), obj.ID, obj)
	return ok
}

// checkReserved refuses content other than the canonical one under a
// reserved id, whoever stores it (the operator's imports included).
func checkReserved(obj *kizuna.Object) error {
	if h, ok := canonicalHash(obj.ID); ok && obj.Hash != h {
		return kizuna.Errorf(kizuna.EINVALID, "%s: the id is reserved: every kizuna node holds its official definition, and only an identical copy may be stored (rule %s)", obj.ID, RuleWriteReserved)
	}
	return nil
}

// checkIDCase refuses a marking-definition or an observable whose id is not
// in lowercase, whoever stores it (the operator's imports and peers
// included). These ids are shared node-wide, and RFC 4122 reads a UUID in
// either case: an id differing from another only by case names the same
// marking or observation to any reader that folds case, so a second
// spelling would let one organisation give another's marking a second
// meaning, or another's observable a second value.
func checkIDCase(obj *kizuna.Object) error {
	if obj.Type != "marking-definition" && !isObservable(obj) {
		return nil
	}
	for i := 0; i < len(obj.ID); i++ {
		if c := obj.ID[i]; c >= 'A' && c <= 'Z' {
			return kizuna.Errorf(kizuna.EINVALID, "%s: $.id: the id of a marking-definition or an observable must be written in lowercase, as RFC 4122 writes UUIDs; RFC 4122 reads it as the same UUID as its lowercase form, and an id shared node-wide must not take a second content under another spelling (rule %s)", obj.ID, RuleWriteIDCase)
		}
	}
	return nil
}

// checkObservableID refuses an observable whose id is a UUIDv5 other than
// the deterministic id of its ID contributing properties (stix.SCOID).
// STIX makes that id a SHOULD; the node makes it a rule, because that id
// is derived from the observation's value, so that whoever knows the value
// knows the id: otherwise a publisher could register the id of a value
// before the organisations that report it, under another value, and every
// reader of that id (an observed-data's object_refs, a sighting) would see
// the wrong one. An observable with a UUIDv4 id, or of a type without ID
// contributing properties, is left to the ownership rules. The operator's
// imports are exempt: public data sets (the OASIS examples among them)
// carry made-up UUIDv5 ids, and the operator answers for what it imports.
func checkObservableID(obj *kizuna.Object) error {
	if !isObservable(obj) {
		return nil
	}
	i := strings.Index(obj.ID, "--")
	if i < 0 || len(obj.ID) != i+2+36 || obj.ID[i+2+14] != '5' {
		return nil
	}
	want, err := stix.SCOID(obj.Raw)
	if err != nil || want == obj.ID {
		return nil
	}
	return kizuna.Errorf(kizuna.EINVALID, "%s: $.id: a UUIDv5 observable id must be the deterministic id of its ID contributing properties, %s (rule %s)", obj.ID, want, RuleWriteSCOID)
}
