// Package evaluate measures an exercise from the audit logs of the
// participating nodes, not from what participants report of themselves:
// for each inject and each expected action, when each participant first
// read, shared onward, acknowledged, assessed, opened and closed the
// consultation, whether it did so within the deadline, a timeline per
// nation and organisation, and corrective actions carried from one
// exercise to the next.
package evaluate

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Member is who a principal of one node's audit log acts for.
type Member struct {
	Nation       string
	Organization string
	// Peer marks a peer node's principal: what it does is federation
	// (egress reads, relayed ingest), not a person's act, and is not
	// counted.
	Peer bool
}

// Directory maps the principal ids of one node's audit log to members.
type Directory func(principalID string) (Member, bool)

// NodeLog is the audit log of one participating node, or the part of it
// that concerns the exercise, with the directory of its principals.
type NodeLog struct {
	Node      string
	Events    []*kizuna.AuditEvent
	Directory Directory
}

// Kinds of observation.
const (
	obsRead    = "read"
	obsIngest  = "ingest"
	obsAck     = "acknowledge"
	obsConsult = "consult"
)

// observation is one act of a member on one object, read from one entry.
type observation struct {
	at      time.Time
	node    string
	seq     int64
	member  Member
	kind    string
	object  string   // the object read, ingested, acknowledged; the consultation
	refs    []string // ingest: the ids the new object references
	act     string   // consult: the act
	state   string   // consult: the state after
	subject string   // consult: the incident
}

var (
	// readRE finds the versions a "read" record names: "<id> version <V>".
	readRE = regexp.MustCompile(`([a-z][a-z0-9-]*--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) version `)
	idRE   = regexp.MustCompile(`^[a-z][a-z0-9-]*--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// observe turns the entries of one log into observations. Entries of
// principals the directory does not know, of peers, and of actions that
// say nothing of an exercise act, are skipped; so are refused acts.
func observe(log NodeLog) []observation {
	var out []observation
	for _, e := range log.Events {
		if e == nil || e.Decision == "deny" || e.Principal == "" || log.Directory == nil {
			continue
		}
		m, ok := log.Directory(e.Principal)
		if !ok || m.Peer {
			continue
		}
		base := observation{at: e.Time.UTC(), node: log.Node, seq: e.Seq, member: m}
		switch {
		case e.Action == "read":
			ids := []string{}
			for _, g := range readRE.FindAllStringSubmatch(e.Reason, -1) {
				ids = append(ids, g[1])
			}
			if idRE.MatchString(e.Object) {
				ids = append(ids, e.Object)
			}
			slices.Sort(ids)
			for _, id := range slices.Compact(ids) {
				o := base
				o.kind, o.object = obsRead, id
				out = append(out, o)
			}
		case e.Action == kizuna.AuditIngest:
			o := base
			o.kind, o.object, o.refs = obsIngest, e.Object, field(e.Reason, "refs")
			out = append(out, o)
		case e.Action == kizuna.AuditExerciseAck:
			o := base
			o.kind, o.object = obsAck, e.Object
			out = append(out, o)
		case strings.HasPrefix(e.Action, kizuna.AuditConsultPrefix):
			o := base
			o.kind, o.object, o.act = obsConsult, e.Object, strings.TrimPrefix(e.Action, kizuna.AuditConsultPrefix)
			if inc := field(e.Reason, "incident"); len(inc) > 0 {
				o.subject = inc[0]
			}
			if st := field(e.Reason, "state"); len(st) > 0 {
				o.state = st[len(st)-1]
			}
			out = append(out, o)
		}
	}
	return out
}

// field reads the values of "name=a,b" in a reason made of
// space-separated name=value fields, the form of the exercise's audit
// records ("collection=c refs=indicator--…,report--…").
func field(reason, name string) []string {
	for _, f := range strings.Fields(reason) {
		if v, ok := strings.CutPrefix(f, name+"="); ok && v != "" {
			return strings.Split(v, ",")
		}
	}
	return nil
}

// typeOf returns the STIX type of an id.
func typeOf(id string) string {
	t, _, _ := strings.Cut(id, "--")
	return t
}
