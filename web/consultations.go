package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/defapi"
	"github.com/kizuna-dev/kizuna/defense/defstix"
)

func init() {
	register(page{Pattern: "GET /consultations", Template: "consultations.html", Nav: "nav.consultations", NavPath: "/consultations", Order: 40,
		Handle: (*Server).consultations})
	register(page{Pattern: "GET /consultations/{id}", Template: "consultation.html", Handle: (*Server).consultation})
	register(page{Pattern: "POST /consultations/{id}", Template: "consultation.html", Handle: (*Server).consultationAct})
}

// consultationRow is one consultation of the list.
type consultationRow struct {
	ID, Path, State, Nation, Opened, Deadline, Left string
	Marking                                         Marking
	Incident                                        refLink
	Escalations                                     int
}

type consultationsData struct{ Rows []consultationRow }

// consultations lists the consultations the reader may read, on incidents
// it may read, with their next deadline (in the collection the request
// names, or in every collection the reader may read).
func (s *Server) consultations(v *View, r *http.Request) error {
	ctx := r.Context()
	v.Title = v.T("consultations.title")
	data := &consultationsData{}
	v.Data = data
	def, err := s.defense()
	if err != nil {
		return nil
	}
	cols, err := s.lookIn(ctx, r.URL.Query().Get("collection"))
	if err != nil {
		return err
	}
	now := time.Now()
	for _, col := range cols {
		objs, err := def.Consultations(ctx, col.ID)
		if err != nil {
			return err
		}
		for _, o := range objs {
			c, err := defstix.DecodeConsultation(o.Raw)
			if err != nil {
				continue
			}
			inc, err := s.latest(ctx, []*kizuna.Collection{col}, c.IncidentRef)
			if err != nil {
				return err
			}
			if inc == nil {
				continue // the API lists it only on an incident the reader may read
			}
			o.Collection, inc.Collection = col.ID, col.ID
			row := consultationRow{ID: c.ID, Path: consultationPath(c.ID, col.ID), State: v.T("consult.state." + c.State), Nation: c.Nation,
				Opened: clock(c.OpenedAt), Marking: s.markAll(v, o), Incident: s.link(v, inc), Escalations: len(c.Escalations)}
			if d := nextDeadline(c); !d.IsZero() {
				row.Deadline, row.Left = clock(d), v.timeLeft(d, now)
			}
			data.Rows = append(data.Rows, row)
		}
	}
	return nil
}

func consultationPath(id, collection string) string {
	return "/consultations/" + id + "?collection=" + url.QueryEscape(collection)
}

// nextDeadline is the earliest deadline a party owes (zero: none).
func nextDeadline(c *kizuna.Consultation) time.Time {
	var d time.Time
	for _, p := range c.Parties {
		if !p.Deadline.IsZero() && (d.IsZero() || p.Deadline.Before(d)) {
			d = p.Deadline
		}
	}
	return d
}

// consultationData is a consultation's page: its parties with their
// clocks, its steps and escalations, and the acts the reader may make.
type consultationData struct {
	ID, Path, State, Nation, Opened, Closed string
	Rank                                    int
	Marking                                 Marking
	Collection                              *kizuna.Collection
	Incident                                refLink
	Parties                                 []partyRow
	Steps                                   []stepRow
	Escalations                             []escalationRow
	Position                                string
	Disagreements                           []string
	// Acts are the acts the reader's nation may make now (role poc only).
	Acts []string
	// Done names the act just made; Error why an act was refused.
	Done, Error string
}

type partyRow struct {
	Nation, Status, Deadline, Left, Statement string
	Escalation                                int
	Overdue, Reader                           bool
}

type stepRow struct {
	Seq                                       int
	Act, Nation, At, Before, After, Statement string
}

type escalationRow struct {
	Nation, Duty, Missed, At, NewDeadline string
	Level                                 int
}

// consultation serves a consultation's page; one the reader may not read
// (or on an incident it may not read) answers as one that does not exist.
func (s *Server) consultation(v *View, r *http.Request) error {
	if err := s.fillConsultation(v, r); err != nil {
		return err
	}
	if done := r.URL.Query().Get("done"); done != "" {
		if d := v.Data.(*consultationData); slices.Contains(consultActs, done) {
			d.Done = v.T("consult.done." + done)
		}
	}
	return nil
}

// consultActs are the acts the page offers.
var consultActs = []string{kizuna.ConsultActionAck, kizuna.ConsultActionEndorse, kizuna.ConsultActionDisagree}

// consultationAct makes the reader's act through the collective-defense
// server, as POST /api/v1/consultations/{id}/acts does (the same checks,
// the same stored version or response, audited and federated alike), then
// shows the consultation.
func (s *Server) consultationAct(v *View, r *http.Request) error {
	ctx := r.Context()
	def, err := s.defense()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	col, _, _, err := s.findConsultation(r, def, id)
	if err != nil {
		return err
	}
	act := formValue(r, "act")
	if !slices.Contains(consultActs, act) {
		return kizuna.Errorf(kizuna.EINVALID, "act %q is not one of %s", act, strings.Join(consultActs, ", "))
	}
	_, err = def.Act(ctx, id, defapi.ActRequest{Collection: col.ID, Act: act, Statement: strings.TrimSpace(formValue(r, "statement"))})
	switch kizuna.ErrorCode(err) {
	case "":
		v.Redirect(consultationPath(id, col.ID) + "&done=" + url.QueryEscape(act))
		return nil
	case kizuna.EINVALID, kizuna.EFORBIDDEN, kizuna.ECONFLICT:
		msg := kizuna.ErrorMessage(err)
		if err := s.fillConsultation(v, r); err != nil {
			return err
		}
		v.Data.(*consultationData).Error = msg
		v.SetStatus(http.StatusUnprocessableEntity)
		return nil
	default:
		return err
	}
}

// findConsultation finds a consultation the reader may read in the
// collection the request names, or in the first readable collection that
// holds one.
func (s *Server) findConsultation(r *http.Request, def *defapi.Server, id string) (*kizuna.Collection, *kizuna.Object, *kizuna.Consultation, error) {
	ctx := r.Context()
	col := r.URL.Query().Get("collection")
	if r.Method == http.MethodPost {
		col = formValue(r, "collection")
	}
	cols, err := s.lookIn(ctx, col)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, c := range cols {
		o, cs, err := def.Consultation(ctx, c.ID, id)
		if err == nil {
			o.Collection = c.ID
			return c, o, cs, nil
		} else if kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
			return nil, nil, nil, err
		}
	}
	return nil, nil, nil, kizuna.Errorf(kizuna.ENOTFOUND, "not found")
}

// fillConsultation builds the consultation's page.
func (s *Server) fillConsultation(v *View, r *http.Request) error {
	ctx := r.Context()
	def, err := s.defense()
	if err != nil {
		return err
	}
	col, o, c, err := s.findConsultation(r, def, r.PathValue("id"))
	if err != nil {
		return err
	}
	inc, err := s.latest(ctx, []*kizuna.Collection{col}, c.IncidentRef)
	if err != nil {
		return err
	}
	if inc == nil {
		return kizuna.Errorf(kizuna.ENOTFOUND, "not found")
	}
	inc.Collection = col.ID
	now := time.Now()
	state := func(s string) string {
		if s == "" {
			return ""
		}
		return v.T("consult.state." + s)
	}
	d := &consultationData{ID: c.ID, Path: consultationPath(c.ID, col.ID), State: state(c.State), Nation: c.Nation,
		Opened: clock(c.OpenedAt), Rank: c.Rank, Collection: col, Marking: s.markAll(v, o), Incident: s.link(v, inc),
		Disagreements: c.Disagreements, Closed: c.ClosedReason}
	d.Incident.Path = incidentPath(inc.ID, col.ID)
	v.Title = v.T("consultation.title", d.Incident.Title)
	if c.Position != nil {
		d.Position = c.Position.Statement
	}
	p := v.Principal
	for _, pt := range c.Parties {
		row := partyRow{Nation: pt.Nation, Status: v.T("consult.party." + pt.Status), Deadline: clock(pt.Deadline), Left: v.timeLeft(pt.Deadline, now),
			Statement: pt.Statement, Escalation: pt.Escalation, Overdue: !pt.Deadline.IsZero() && pt.Deadline.Before(now), Reader: pt.Nation == p.Nation}
		d.Parties = append(d.Parties, row)
		if pt.Nation != p.Nation || !p.HasRole(kizuna.RolePOC) {
			continue
		}
		switch {
		case pt.Status == kizuna.ParticipantRequested:
			d.Acts = append(d.Acts, kizuna.ConsultActionAck)
		case c.State == kizuna.ConsultProposed && pt.Status == kizuna.ParticipantReviewing:
			d.Acts = append(d.Acts, kizuna.ConsultActionEndorse, kizuna.ConsultActionDisagree)
		}
	}
	for _, st := range c.Steps {
		d.Steps = append(d.Steps, stepRow{Seq: st.Seq, Act: v.T("consult.act." + st.Action), Nation: st.Nation, At: clock(st.At),
			Before: state(st.StateBefore), After: state(st.StateAfter), Statement: st.Statement})
	}
	for _, e := range c.Escalations {
		d.Escalations = append(d.Escalations, escalationRow{Nation: e.Nation, Duty: e.Duty, Missed: clock(e.Missed), At: clock(e.At),
			NewDeadline: clock(e.NewDeadline), Level: e.Level})
	}
	v.Data = d
	return nil
}
