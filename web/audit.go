package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
)

func init() {
	register(page{Pattern: "GET /audit", Template: "audit.html", Nav: "nav.audit", NavPath: "/audit", Order: 60,
		Role: kizuna.RoleAdmin, Handle: (*Server).auditLog})
}

// Bounds of one audit page.
const (
	auditPageSize = 50
	// auditScanLimit is how many entries one request reads at most; a
	// filter that has not filled its page by then offers to go on.
	auditScanLimit = 20000
	auditChunk     = 500
)

type auditQuery struct {
	Action, Principal, From, To string
	from, to                    time.Time
	principalID                 string
}

type auditRow struct {
	Seq                                               int64
	Time, Principal, Action, Object, Decision, Reason string
	Hash                                              string
}

type auditData struct {
	Q    auditQuery
	Rows []auditRow
	// End is the log's last entry; NextPath the older entries.
	End      int64
	NextPath string
	Error    string
	// Head is the last signed head (nil: none yet); Verified the result of
	// a chain verification asked for (?verify=1).
	Head       *kizuna.AuditHead
	Verify     bool
	Verified   int64
	VerifyFail string
}

// auditLog shows the audit log to admins, newest first, filtered by action
// (a prefix: "consultation" matches consultation.release), principal (name
// or id) and time, with the chain's state: its last signed head and, on
// request, a verification of the whole chain (as 'kizuna audit verify').
func (s *Server) auditLog(v *View, r *http.Request) error {
	ctx := r.Context()
	v.Title = v.T("audit.title")
	qv := r.URL.Query()
	q := auditQuery{Action: strings.TrimSpace(qv.Get("action")), Principal: strings.TrimSpace(qv.Get("principal")),
		From: strings.TrimSpace(qv.Get("from")), To: strings.TrimSpace(qv.Get("to"))}
	data := &auditData{Q: q}
	v.Data = data
	ps, err := s.n.Store.FindPrincipals(ctx)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, p := range ps {
		names[p.ID] = p.Name
		if q.Principal != "" && (p.Name == q.Principal || p.ID == q.Principal) {
			q.principalID = p.ID
		}
	}
	var bad []string
	q.from, q.to, bad = parseRange(v, q.From, q.To)
	end, _, err := s.n.Store.AuditChainHead(ctx)
	if err != nil {
		return err
	}
	data.End = end
	before := end + 1
	if b := qv.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 1 {
			bad = append(bad, v.T("search.bad_cursor"))
		} else {
			before = min(n, end+1)
		}
	}
	if len(bad) > 0 {
		data.Error = strings.Join(bad, " ")
		v.SetStatus(http.StatusBadRequest)
		return nil
	}
	if h, err := s.n.Store.LastAuditHead(ctx); err == nil {
		data.Head = h
	} else if kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		return err
	}
	if qv.Get("verify") != "" {
		data.Verify = true
		n, err := kizuna.VerifyAuditChain(ctx, s.n.Store)
		data.Verified = n
		if err != nil {
			data.VerifyFail = err.Error()
		}
	}
	if q.Principal != "" && q.principalID == "" {
		q.principalID = q.Principal // the node itself (""), or a principal since removed
	}
	read := int64(0)
	for before > 1 && len(data.Rows) < auditPageSize && read < auditScanLimit {
		from := max(before-auditChunk, 1)
		evs, err := s.n.Store.FindAudit(ctx, from-1, int(before-from))
		if err != nil {
			return err
		}
		read += before - from
		next := from
		for i := len(evs) - 1; i >= 0; i-- {
			e := evs[i]
			if e.Seq >= before {
				continue
			}
			if len(data.Rows) == auditPageSize {
				next = e.Seq + 1
				break
			}
			if !q.match(e) {
				continue
			}
			data.Rows = append(data.Rows, auditRow{Seq: e.Seq, Time: e.Time.UTC().Format("2006-01-02 15:04:05.000Z"),
				Principal: principalName(names, e.Principal, v), Action: e.Action, Object: e.Object, Decision: e.Decision,
				Reason: e.Reason, Hash: e.Hash})
		}
		before = next
	}
	if before > 1 {
		next := url.Values{}
		for k, vs := range qv {
			if k != "before" && k != "verify" {
				next[k] = vs
			}
		}
		next.Set("before", strconv.FormatInt(before, 10))
		data.NextPath = "/audit?" + next.Encode()
	}
	return nil
}

// match reports whether an entry passes the filter.
func (q *auditQuery) match(e *kizuna.AuditEvent) bool {
	if q.Action != "" && !strings.HasPrefix(e.Action, q.Action) {
		return false
	}
	if q.Principal != "" && e.Principal != q.principalID {
		return false
	}
	if !q.from.IsZero() && e.Time.Before(q.from) {
		return false
	}
	return q.to.IsZero() || !e.Time.After(q.to)
}

// principalName shows an entry's principal by name ("node" for the node
// itself).
func principalName(names map[string]string, id string, v *View) string {
	if id == "" {
		return v.T("audit.node")
	}
	if n, ok := names[id]; ok {
		return n
	}
	return id
}
