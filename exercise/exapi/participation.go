package exapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise"
	"github.com/kizuna-dev/kizuna/exercise/exstix"
	"github.com/kizuna-dev/kizuna/internal/apiobj"
)

// record returns the latest x-kizuna-exercise with the id, read as the
// node's own work (whoever loaded it: this node, or the control cell's
// node, by federation).
func (s *Server) record(ctx context.Context, id string) (*exstix.Exercise, *kizuna.Object, error) {
	if !strings.HasPrefix(id, exstix.TypeExercise+"--") {
		return nil, nil, kizuna.Errorf(kizuna.ENOTFOUND, "no object %s in this collection", id)
	}
	o, err := s.readOne(ctx, s.own(), id)
	if err != nil {
		return nil, nil, err
	}
	x, err := exstix.DecodeExercise(o.Raw)
	return x, o, err
}

// hosts reports whether a participant's node is the node named: its
// identity id, or its name (this node's, or a peer's in its agreement).
func hosts(p kizuna.Participant, nodeID, name string) bool {
	return p.Node != "" && (p.Node == nodeID || p.Node == name)
}

// ExercisePeer decides whether a peer (its principal) may receive the data
// of an exercise: "" when the peer's node hosts one of the exercise's
// participants, as the exercise record this node holds names them, else
// why not (docs/exercises.md, rule 3). It is the guard's ExercisePeers.
func (s *Server) ExercisePeer(ctx context.Context, peer *kizuna.Principal, exerciseID string) (string, error) {
	x, _, err := s.record(ctx, exerciseID)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return "this node holds no record of the exercise", nil
	} else if err != nil {
		return "", err
	}
	nodes, err := s.peerNodes(ctx)
	if err != nil {
		return "", err
	}
	pn, ok := nodes[peer.Name]
	if !ok {
		return "no peering agreement names it", nil
	}
	node := pn.Node
	for _, p := range x.Exercise.Participants {
		if hosts(p, node, peer.Name) {
			return "", nil
		}
	}
	return "its node " + node + " hosts none of the exercise's participants", nil
}

func (s *Server) peerNodes(ctx context.Context) (map[string]PeerNode, error) {
	if s.PeerNodes == nil {
		return map[string]PeerNode{}, nil
	}
	return s.PeerNodes(ctx)
}

// PeerNode is what an exercise needs of a peering agreement.
type PeerNode struct {
	// Node is the peer node's identity id.
	Node string
	// Organization is the organisation of the peer's principal here.
	Organization string
}

// carriers returns, by participant id, the organisations of the peers
// whose node hosts the participant (Schedule.SetCarriers).
func (s *Server) carriers(ctx context.Context, ex *kizuna.Exercise) (map[string][]string, error) {
	nodes, err := s.peerNodes(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for name, pn := range nodes {
		for _, p := range ex.Participants {
			if hosts(p, pn.Node, name) && pn.Organization != "" {
				out[p.ID] = append(out[p.ID], pn.Organization)
			}
		}
	}
	return out, nil
}

// Grant gives the exercise community to the principals of this node that
// take part in the exercise: those of a participant hosted on this node
// (same organisation and nation), and the peers whose node hosts a
// participant. It returns the names of the principals it changed; each
// grant is audited exercise.grant.
func (s *Server) Grant(ctx context.Context, x *exstix.Exercise) ([]string, error) {
	return s.setCommunity(ctx, x, true)
}

// setCommunity adds (or, for !add, removes) the exercise community to the
// participants' principals (add), or to every principal holding it.
func (s *Server) setCommunity(ctx context.Context, x *exstix.Exercise, add bool) ([]string, error) {
	community := exercise.Community(x.ID)
	nodes, err := s.peerNodes(ctx)
	if err != nil {
		return nil, err
	}
	ps, err := s.Principals.FindPrincipals(ctx)
	if err != nil {
		return nil, err
	}
	changed := []string{}
	for _, pr := range ps {
		has := slices.Contains(pr.Communities, community)
		if pr.RevokedAt != nil || has == add || (add && !s.participates(x.Exercise, pr, nodes)) {
			continue
		}
		next := slices.DeleteFunc(slices.Clone(pr.Communities), func(c string) bool { return c == community })
		action, verb := kizuna.AuditExerciseRevoke, "revoked"
		if add {
			next, action, verb = append(next, community), kizuna.AuditExerciseGrant, "granted"
		}
		if err := s.Principals.SetPrincipalCommunities(ctx, pr.Name, next); err != nil {
			return changed, err
		}
		changed = append(changed, pr.Name)
		s.Audit(ctx, &kizuna.AuditEvent{Principal: actor(ctx), Action: action, Object: x.ID, Decision: "allow",
			Reason: "exercise=" + x.ID + " principal=" + pr.Name + " community " + verb})
	}
	return changed, nil
}

// participates reports whether a principal of this node takes part in the
// exercise: a peer whose node hosts a participant, or a principal of a
// participant's organisation and nation hosted on this node.
func (s *Server) participates(ex *kizuna.Exercise, pr *kizuna.Principal, nodes map[string]PeerNode) bool {
	for _, p := range ex.Participants {
		if pr.HasRole(kizuna.RolePeer) {
			if pn, ok := nodes[pr.Name]; ok && hosts(p, pn.Node, pr.Name) {
				return true
			}
			continue
		}
		if p.Organization == pr.Organization && p.Nation == pr.Nation && hosts(p, s.NodeID, s.Node) {
			return true
		}
	}
	return false
}

// grant answers POST /api/v1/exercises/{id}/grant (admin).
func (s *Server) grant(w http.ResponseWriter, r *http.Request) {
	x, _, err := s.record(r.Context(), r.PathValue("id"))
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	names, err := s.Grant(r.Context(), x)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	setBanner(w, x.ID)
	apiobj.WriteJSON(w, http.StatusOK, map[string]any{"community": exercise.Community(x.ID), "granted": names})
}

// actor is the id of the principal in ctx, or "" for the node's own work.
func actor(ctx context.Context) string {
	if p := kizuna.PrincipalFromContext(ctx); p != nil {
		return p.ID
	}
	return ""
}
