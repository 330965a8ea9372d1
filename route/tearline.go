package route

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

// Approval is one top-level property a releaser approves for a tearline,
// with the exact value the tearline carries: the source's value (kept) or
// another (rewritten).
type Approval struct {
	Property string          `json:"property"`
	Value    json.RawMessage `json:"value"`
}

// TearlineRequest is a releaser's decision to release a tearline.
type TearlineRequest struct {
	Source   *kizuna.Object // the stored source version (Raw, Label, Portions)
	Releaser *kizuna.Principal
	// Approved is everything the tearline carries besides the envelope
	// that the release sets (type, spec_version, id, created, modified,
	// created_by_ref, object_marking_refs).
	Approved []Approval
	// MarkingRefs are the tearline's markings: the lower marking the
	// releaser chose. They must differ from the source's.
	MarkingRefs []string
	// LinkMarkingRefs mark the derived-from relationship that links the
	// tearline to its source; the source's markings when empty, so that
	// only the source's readers learn the link.
	LinkMarkingRefs []string
	Rationale       string
	Now             time.Time
}

// Tearline is a released tearline: the derived object, the relationship
// linking it to its source, and the record of the release decision.
type Tearline struct {
	Object  json.RawMessage
	Link    json.RawMessage
	Release Release
}

// Release records a release decision for the audit log.
type Release struct {
	Tearline         string    `json:"tearline"`
	Link             string    `json:"link"`
	Source           string    `json:"source"`
	SourceVersion    time.Time `json:"source_version"`
	Releaser         string    `json:"releaser"`          // principal id
	ReleaserIdentity string    `json:"releaser_identity"` // the tearline's created_by_ref
	MarkingRefs      []string  `json:"marking_refs"`
	Approved         []string  `json:"approved"`  // properties carried
	Rewritten        []string  `json:"rewritten"` // approved with a value other than the source's
	Removed          []string  `json:"removed"`   // properties of the source not carried
	ContentSHA256    string    `json:"content_sha256"`
	Rationale        string    `json:"rationale,omitempty"`
	At               time.Time `json:"at"`
}

// AuditEvent is the audit record of the release, for the node to append.
func (r *Release) AuditEvent() *kizuna.AuditEvent {
	return &kizuna.AuditEvent{Time: r.At, Principal: r.Releaser, Action: kizuna.AuditTearlineRelease, Object: r.Source, Decision: "allow",
		Reason: fmt.Sprintf("released %s version %s as tearline %s (linked by %s) at markings [%s] as %s: approved [%s]; rewritten [%s]; removed [%s]; sha256 %s; rationale: %q",
			r.Source, r.SourceVersion.UTC().Format(time.RFC3339Nano), r.Tearline, r.Link, strings.Join(r.MarkingRefs, ", "), r.ReleaserIdentity,
			strings.Join(r.Approved, ", "), strings.Join(r.Rewritten, ", "), strings.Join(r.Removed, ", "), r.ContentSHA256, r.Rationale)}
}

// envelope lists the properties a release sets itself and no approval may
// carry: the tearline is a new object of the releaser's, at its own
// markings.
var envelope = []string{"type", "spec_version", "id", "created", "modified", "created_by_ref", "object_marking_refs", "granular_markings", "revoked"}

var propertyName = regexp.MustCompile(`^[a-z0-9_]{1,250}$`)

// DraftApprovals proposes approvals for a tearline of source: each content
// property with the source's value, for a releaser to prune and rewrite.
// Nothing is released from a draft: BuildTearline takes only what the
// releaser passes back.
func DraftApprovals(source *kizuna.Object) ([]Approval, error) {
	top, err := topLevel(source)
	if err != nil {
		return nil, err
	}
	var out []Approval
	for _, k := range sortedKeys(top) {
		if !slices.Contains(envelope, k) {
			out = append(out, Approval{Property: k, Value: top[k]})
		}
	}
	return out, nil
}

// BuildTearline makes a tearline from a releaser's decision. The releaser
// must be the source's originator (its organisation created the source) or
// hold kizuna.RoleReleaser, and may read the source and see every property
// of it that it releases. The tearline carries the approved properties and
// nothing else: a source property not approved is dropped, whatever it
// is. It is a new object created by the releaser's organisation at the
// chosen markings, linked to its source by a derived-from relationship at
// the source's markings. Errors: ENOTFOUND (the releaser may not read the
// source), EFORBIDDEN (not the originator nor a releaser; a property it
// may not see), EINVALID (markings, approvals, required properties).
func BuildTearline(req TearlineRequest, access Access) (*Tearline, error) {
	src, pr := req.Source, req.Releaser
	if src == nil || pr == nil || access == nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "a tearline needs a source, a releaser and the access decision")
	}
	if !access.Readable(pr, src) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "%s not found", src.ID)
	}
	if pr.RevokedAt != nil || (pr.Organization != src.CreatedByRef && !pr.HasRole(kizuna.RoleReleaser)) {
		return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "principal %q is neither of the originator of %s nor a releaser", pr.Name, src.ID)
	}
	if pr.Organization == "" {
		return nil, kizuna.Errorf(kizuna.EINVALID, "principal %q has no organisation to create the tearline as", pr.Name)
	}
	top, err := topLevel(src)
	if err != nil {
		return nil, err
	}
	if _, ok := top["created"]; !ok || src.Type == "marking-definition" || src.Type == "extension-definition" {
		return nil, kizuna.Errorf(kizuna.EINVALID, "%s: only domain objects and relationships can be released as tearlines", src.ID)
	}
	if len(req.MarkingRefs) == 0 || sameSet(req.MarkingRefs, src.MarkingRefs) {
		return nil, kizuna.Errorf(kizuna.EINVALID, "a tearline is released at markings other than its source's; name them")
	}
	linkRefs := req.LinkMarkingRefs
	if len(linkRefs) == 0 {
		linkRefs = src.MarkingRefs
	}
	if len(linkRefs) == 0 {
		return nil, kizuna.Errorf(kizuna.EINVALID, "%s has no object markings: name the markings of the link to it", src.ID)
	}
	for _, m := range append(slices.Clone(req.MarkingRefs), linkRefs...) {
		if !strings.HasPrefix(m, "marking-definition--") {
			return nil, kizuna.Errorf(kizuna.EINVALID, "%q is not a marking-definition id", m)
		}
	}
	body := map[string]json.RawMessage{}
	rel := Release{Source: src.ID, SourceVersion: src.Version, Releaser: pr.ID, ReleaserIdentity: pr.Organization,
		MarkingRefs: slices.Clone(req.MarkingRefs), Rationale: req.Rationale, At: req.Now.UTC(),
		Approved: []string{}, Rewritten: []string{}, Removed: []string{}}
	for i, a := range req.Approved {
		p := fmt.Sprintf("$.approved[%d]", i)
		switch {
		case !propertyName.MatchString(a.Property):
			return nil, kizuna.Errorf(kizuna.EINVALID, "%s.property: %q is not a STIX property name", p, a.Property)
		case slices.Contains(envelope, a.Property):
			return nil, kizuna.Errorf(kizuna.EINVALID, "%s.property: %s is set by the release, not approved", p, a.Property)
		case body[a.Property] != nil:
			return nil, kizuna.Errorf(kizuna.EINVALID, "%s.property: %s is approved twice", p, a.Property)
		}
		v, err := compact(a.Value)
		if err != nil || string(v) == "null" {
			return nil, kizuna.Errorf(kizuna.EINVALID, "%s.value: the approved value of %s is not a JSON value", p, a.Property)
		}
		if _, inSource := top[a.Property]; inSource && !access.PropertyVisible(pr, src, a.Property) {
			return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "%s.property: principal %q may not see %s of %s, so it cannot release it", p, pr.Name, a.Property, src.ID)
		}
		body[a.Property] = v
		rel.Approved = append(rel.Approved, a.Property)
		if old, ok := top[a.Property]; !ok || !bytes.Equal(mustCompact(old), v) {
			rel.Rewritten = append(rel.Rewritten, a.Property)
		}
	}
	var missing []string
	for _, k := range sortedKeys(top) {
		if slices.Contains(envelope, k) {
			continue
		}
		if body[k] == nil {
			rel.Removed = append(rel.Removed, k)
			if policy.RequiredProperty(src.Type, k) {
				missing = append(missing, k)
			}
		}
	}
	if len(missing) > 0 {
		return nil, kizuna.Errorf(kizuna.EINVALID, "a %s cannot go without %s: approve or rewrite it", src.Type, strings.Join(missing, ", "))
	}
	slices.Sort(rel.Approved)
	slices.Sort(rel.Rewritten)
	ts := req.Now.UTC().Format("2006-01-02T15:04:05.000Z")
	rel.Tearline = src.Type + "--" + kizuna.NewUUID()
	rel.Link = "relationship--" + kizuna.NewUUID()
	for k, v := range map[string]any{"type": src.Type, "spec_version": "2.1", "id": rel.Tearline, "created": ts, "modified": ts,
		"created_by_ref": pr.Organization, "object_marking_refs": req.MarkingRefs} {
		if body[k], err = json.Marshal(v); err != nil {
			return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "the tearline could not be encoded")
		}
	}
	obj, err := json.Marshal(body)
	if err != nil {
		return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "the tearline could not be encoded")
	}
	rel.ContentSHA256 = fmt.Sprintf("%x", sha256.Sum256(obj))
	link, err := json.Marshal(map[string]any{"type": "relationship", "spec_version": "2.1", "id": rel.Link, "created": ts, "modified": ts,
		"created_by_ref": pr.Organization, "relationship_type": "derived-from", "source_ref": rel.Tearline, "target_ref": src.ID,
		"object_marking_refs": linkRefs})
	if err != nil {
		return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "the tearline's link could not be encoded")
	}
	return &Tearline{Object: obj, Link: link, Release: rel}, nil
}

// topLevel decodes an object's top-level properties.
func topLevel(obj *kizuna.Object) (map[string]json.RawMessage, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(obj.Raw, &top); err != nil || top == nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "%s: the stored object is not one JSON object", obj.ID)
	}
	return top, nil
}

func compact(v json.RawMessage) (json.RawMessage, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func mustCompact(v json.RawMessage) []byte {
	c, err := compact(v)
	if err != nil {
		return v
	}
	return c
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}
