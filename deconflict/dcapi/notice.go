package dcapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict"
	"github.com/kizuna-dev/kizuna/deconflict/dcstix"
	"github.com/kizuna-dev/kizuna/internal/apiobj"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/stix"
)

// namespace is the UUIDv5 namespace of the ids the node derives for
// notices and their markings.
var namespace = [16]byte{0x6b, 0x2f, 0x1c, 0x9e, 0x4d, 0x83, 0x4a, 0x51, 0x9c, 0x07, 0x3e, 0xd2, 0x58, 0xa4, 0x11, 0xc6}

// noticeID is the id of the notice to a's owner of a's conflict with b, at
// these versions of both: registering the same versions again stores the
// same notice (a no-op), a new version of either a new one.
func noticeID(a, b *kizuna.DefensiveAction) string {
	return dcstix.TypeNotice + "--" + kizuna.NameUUID(namespace, "notice|"+a.ID+"|"+stix.FormatTimestamp(a.Modified)+"|"+b.ID+"|"+stix.FormatTimestamp(b.Modified))
}

// recipientMarking returns the marking-definition that limits a notice to
// the owner it is addressed to: releasable to its nation, the audience its
// organisation. Its id and content derive from the owner, so each owner
// has one.
func recipientMarking(nation, org, operator string) (string, []byte, error) {
	id := "marking-definition--" + kizuna.NameUUID(namespace, "recipient|"+org+"|"+nation)
	md := map[string]any{
		"type": "marking-definition", "spec_version": "2.1", "id": id, "created": "2026-01-01T00:00:00.000Z",
		"name": "DECONFLICTION NOTICE // RECIPIENT ONLY",
		"extensions": map[string]any{policy.ExtensionID: map[string]any{
			"extension_type": "property-extension", "releasable_to": []string{nation}, "audience": []string{org}}},
	}
	if operator != "" {
		md["created_by_ref"] = operator
	}
	raw, err := json.Marshal(md)
	return id, raw, err
}

// notify stores the two notices of a conflict, each marked TLP:RED and
// with its recipient's marking (neither owner reads the other's notice),
// as the node's own work; it returns their ids (to the registrant, to the
// other owner).
func (s *Server) notify(ctx context.Context, c deconflict.Conflict) (string, string, error) {
	// A notice dates from the later of the two versions it judges, so
	// that it is the same whenever the node writes it.
	at := c.Action.Modified
	if c.Other.Modified.After(at) {
		at = c.Other.Modified
	}
	ids := []string{noticeID(c.Action, c.Other), noticeID(c.Other, c.Action)}
	next := 0
	pair := s.Rules.Notices(c, at, func() string { next++; return ids[next-1] })
	if err := s.storeNotices(ctx, []*kizuna.DeconflictionNotice{&pair[0], &pair[1]}, []*kizuna.DefensiveAction{c.Action, c.Other}); err != nil {
		return "", "", err
	}
	return ids[0], ids[1], nil
}

// storeNotices stores notices, each to the owner of its action (owners[i]
// of notices[i]), marked TLP:RED and with its recipient's marking, as the
// node's own work.
func (s *Server) storeNotices(ctx context.Context, notices []*kizuna.DeconflictionNotice, owners []*kizuna.DefensiveAction) error {
	var raws [][]byte
	for i, owner := range owners {
		mid, marking, err := recipientMarking(owner.Nation, owner.Organization, s.Operator)
		if err != nil {
			return err
		}
		raw, err := dcstix.EncodeNotice(notices[i], s.Operator, []string{policy.TLP2Red, mid})
		if err != nil {
			return err
		}
		raws = append(raws, marking, raw)
	}
	return apiobj.Ingest(ctx, s.Notices, s.Collection, raws...)
}

// Notice is a notice as the reader reads it: the stored version and what
// it decodes to.
type Notice struct {
	Object *kizuna.Object
	Notice *kizuna.DeconflictionNotice
}

// AddressedNotices returns the notices the principal of ctx may read, read through
// the guard, that are addressed to its organisation.
func (s *Server) AddressedNotices(ctx context.Context) ([]Notice, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	objs, err := s.readAll(ctx, dcstix.TypeNotice)
	if err != nil {
		return nil, err
	}
	var out []Notice
	for _, o := range objs {
		n, err := dcstix.DecodeNotice(o.Raw)
		if err != nil || n.Recipient != p.Organization {
			continue
		}
		out = append(out, Notice{Object: o, Notice: n})
	}
	return out, nil
}

// notices returns the notices the reader may read that are addressed to
// its organisation.
func (s *Server) notices(w http.ResponseWriter, r *http.Request) {
	ns, err := s.AddressedNotices(r.Context())
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	out := []json.RawMessage{}
	for _, n := range ns {
		out = append(out, n.Object.Raw)
	}
	apiobj.WriteJSON(w, http.StatusOK, map[string]any{"notices": out})
}
