package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict/dcapi"
)

func init() {
	register(page{Pattern: "GET /deconfliction", Template: "deconfliction.html", Nav: "nav.deconfliction", NavPath: "/deconfliction", Order: 46,
		Handle: (*Server).deconfliction})
}

// deconflictServer returns the node's deconfliction registry; a node without
// it has no action or notice to show (ENOTFOUND).
func (s *Server) deconflictServer() (*dcapi.Server, error) {
	if s.opt.Deconfliction != nil {
		if d := s.opt.Deconfliction(); d != nil {
			return d, nil
		}
	}
	return nil, kizuna.Errorf(kizuna.ENOTFOUND, "not found")
}

// actionRow is one registered defensive action.
type actionRow struct {
	refLink
	Kind, Category, Targets, Window, State, Nation, Owner string
}

// noticeRow is one deconfliction notice to the reader's organisation.
type noticeRow struct {
	refLink
	Rule, Rules, Severity, Action, Other, Overlap, Window, Created string
}

type deconflictionData struct {
	Actions []actionRow
	Notices []noticeRow
}

// deconfliction lists the defensive actions the reader may read and the
// notices addressed to its organisation, each read through the registry's
// guarded reads.
func (s *Server) deconfliction(v *View, r *http.Request) error {
	ctx := r.Context()
	v.Title = v.T("deconfliction.title")
	data := &deconflictionData{}
	v.Data = data
	dc, err := s.deconflictServer()
	if err != nil {
		return nil // no registry here: nothing registered
	}
	acts, err := dc.Actions(ctx)
	if err != nil {
		return err
	}
	for _, a := range acts {
		x := a.Action
		targets := make([]string, 0, len(x.Targets))
		for _, t := range x.Targets {
			targets = append(targets, t.Kind+" "+t.Value)
		}
		l := s.link(v, a.Object)
		if x.Name != "" {
			l.Title = x.Name
		}
		data.Actions = append(data.Actions, actionRow{refLink: l, Kind: x.Kind, Category: fmt.Sprintf("CAT%d", x.Category),
			Targets: strings.Join(targets, ", "), Window: clock(x.Start) + " – " + clock(x.End), State: x.State,
			Nation: x.Nation, Owner: x.Organization})
	}
	ns, err := dc.AddressedNotices(ctx)
	if err != nil {
		return err
	}
	for _, n := range ns {
		x := n.Notice
		other := fmt.Sprintf("%s %s CAT%d", x.OtherNation, x.OtherKind, x.OtherCategory)
		if x.OtherActionRef != "" {
			other += " (" + x.OtherActionRef + ")"
		}
		data.Notices = append(data.Notices, noticeRow{refLink: s.link(v, n.Object), Rule: x.Rule, Rules: strings.Join(x.Rules, ", "),
			Severity: x.Severity, Action: x.ActionRef, Other: other, Overlap: strings.Join(x.Overlap, ", "),
			Window: clock(x.WindowStart) + " – " + clock(x.WindowEnd), Created: clock(x.Created)})
	}
	return nil
}
