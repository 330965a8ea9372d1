package exapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise/evaluate"
	"github.com/kizuna-dev/kizuna/exercise/exstix"
	"github.com/kizuna-dev/kizuna/internal/apiobj"
)

// AuditExport is a participating node's audit entries about an exercise,
// with who its principals are, signed by the node: what the control cell's
// node evaluates besides its own log.
type AuditExport struct {
	Exercise string `json:"exercise_ref"`
	// Node is the exporting node's identity id; its pinned signing key
	// checks Signature.
	Node     string               `json:"node"`
	Exported time.Time            `json:"exported"`
	Members  map[string]Member    `json:"members"`
	Events   []*kizuna.AuditEvent `json:"events"`
	// Signature is the node's Ed25519 signature (base64) of the export
	// without it (Signature empty), as encoding/json writes it.
	Signature string `json:"signature,omitempty"`
}

// Member is who a principal of the exporting node acts for.
type Member struct {
	Nation       string `json:"nation"`
	Organization string `json:"organization"`
}

// payload is what the signature covers.
func (a AuditExport) payload() ([]byte, error) {
	a.Signature = ""
	return json.Marshal(a)
}

// exportAudit returns this node's audit entries about the exercise by the
// principals of its participants (not peers): reads and acknowledgements
// naming the exercise, what they stored in the exercises collection, their
// consultation steps on the exercise's incidents.
func (s *Server) exportAudit(ctx context.Context, x *exstix.Exercise) (*AuditExport, error) {
	log, err := s.nodeLog(ctx)
	if err != nil {
		return nil, err
	}
	ps, err := s.Principals.FindPrincipals(ctx)
	if err != nil {
		return nil, err
	}
	out := &AuditExport{Exercise: x.ID, Node: s.NodeID, Exported: s.now(), Members: map[string]Member{}, Events: []*kizuna.AuditEvent{}}
	for _, p := range ps {
		if p.HasRole(kizuna.RolePeer) || !slices.ContainsFunc(x.Exercise.Participants, func(pt kizuna.Participant) bool {
			return pt.Organization == p.Organization && pt.Nation == p.Nation
		}) {
			continue
		}
		out.Members[p.ID] = Member{Nation: p.Nation, Organization: p.Organization}
	}
	ofExercise := map[string]bool{} // object id: exercise data of x, in the exercises collection
	isOf := func(id string) bool {
		if v, ok := ofExercise[id]; ok {
			return v
		}
		o, err := s.readOne(ctx, s.own(), id)
		ofExercise[id] = err == nil && slices.Contains(kizuna.ExercisesOfObject(o), x.ID)
		return ofExercise[id]
	}
	for _, e := range log.Events {
		if _, ok := out.Members[e.Principal]; !ok || e.Decision == "deny" {
			continue
		}
		about := false
		switch {
		case e.Action == "read", e.Action == kizuna.AuditExerciseAck:
			about = strings.Contains(e.Reason, x.ID)
		case e.Action == kizuna.AuditIngest, strings.HasPrefix(e.Action, kizuna.AuditConsultPrefix):
			about = isOf(e.Object)
		}
		if about {
			out.Events = append(out.Events, e)
		}
	}
	return out, nil
}

// audit answers GET /api/v1/exercises/{id}/audit (admin): this node's
// signed AuditExport of the exercise.
func (s *Server) audit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	x, _, err := s.record(ctx, r.PathValue("id"))
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	if s.Sign == nil {
		s.WriteError(w, r, kizuna.Errorf(kizuna.EUNAVAILABLE, "this node does not sign audit exports"))
		return
	}
	out, err := s.exportAudit(ctx, x)
	if err == nil {
		var payload []byte
		if payload, err = out.payload(); err == nil {
			out.Signature, err = s.Sign(ctx, payload)
		}
	}
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	setBanner(w, x.ID)
	apiobj.WriteJSON(w, http.StatusOK, out)
}

// importedLogs checks the audit exports given for an evaluation and
// returns them as node logs: each must be of the exercise, from a peer
// node hosting one of its participants, and signed by that node's pinned
// key.
func (s *Server) importedLogs(ctx context.Context, x *exstix.Exercise, exports []AuditExport) ([]evaluate.NodeLog, error) {
	var logs []evaluate.NodeLog
	nodes, err := s.peerNodes(ctx)
	if err != nil {
		return nil, err
	}
	for i, a := range exports {
		where := "request body: $.audit[" + strconv.Itoa(i) + "]"
		if a.Exercise != x.ID {
			return nil, kizuna.Errorf(kizuna.EINVALID, "%s.exercise_ref: %q is not %s", where, a.Exercise, x.ID)
		}
		name := ""
		for n, pn := range nodes {
			if pn.Node == a.Node && a.Node != "" {
				name = n
			}
		}
		if name == "" || !slices.ContainsFunc(x.Exercise.Participants, func(p kizuna.Participant) bool { return hosts(p, a.Node, name) }) {
			return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "%s.node: %q is not a peer node hosting a participant of %s", where, a.Node, x.ID)
		}
		payload, err := a.payload()
		if err == nil && s.Verify != nil {
			err = s.Verify(ctx, a.Node, payload, a.Signature)
		} else if s.Verify == nil {
			err = kizuna.Errorf(kizuna.EUNAVAILABLE, "this node checks no signatures")
		}
		if err != nil {
			return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "%s.signature: not the signature of node %s: %s", where, a.Node, kizuna.ErrorMessage(err))
		}
		members := a.Members
		logs = append(logs, evaluate.NodeLog{Node: a.Node, Events: a.Events, Directory: func(id string) (evaluate.Member, bool) {
			m, ok := members[id]
			return evaluate.Member{Nation: m.Nation, Organization: m.Organization}, ok
		}})
	}
	return logs, nil
}
