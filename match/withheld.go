package match

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// auditQueue bounds the audit records of withheld hits waiting for Run.
const auditQueue = 1024

// maxWithheldNamed bounds how many withheld indicators one record names.
const maxWithheldNamed = 50

// withhold queues the audit record of a request whose observations matched
// indicators the principal may not read. The principal learns nothing of
// them: they are absent from the answer, which is the same as if they did
// not exist, and the record is written by Run so that the request takes no
// longer for them. When the queue is full the request waits for room
// rather than lose the record.
func (s *Service) withhold(ctx context.Context, p *kizuna.Principal, withheld map[string]entry) {
	if len(withheld) == 0 {
		return
	}
	keys := make([]string, 0, len(withheld))
	for k := range withheld {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	named := make([]string, 0, min(len(keys), maxWithheldNamed))
	for _, k := range keys[:min(len(keys), maxWithheldNamed)] {
		e := withheld[k]
		named = append(named, fmt.Sprintf("collection %s: %s", e.collection(k), e.id(k)))
	}
	reason := fmt.Sprintf("observations matched %d indicator(s) the principal may not read, left out of the answer: %s", len(keys), strings.Join(named, " | "))
	if len(keys) > len(named) {
		reason += fmt.Sprintf(" | and %d more", len(keys)-len(named))
	}
	object := withheld[keys[0]].id(keys[0])
	if len(keys) > 1 {
		object = withheld[keys[0]].collection(keys[0])
	}
	ev := &kizuna.AuditEvent{Time: time.Now().UTC(), Principal: p.ID, Action: "match.withheld", Object: object, Decision: "deny", Reason: reason}
	select {
	case s.audits <- ev:
	default:
		select {
		case s.audits <- ev:
		case <-ctx.Done():
			s.logger.LogAttrs(ctx, slog.LevelError, "match: audit record of withheld hits lost", slog.String("principal", p.ID), slog.String("reason", reason))
		}
	}
}

// writeAudits writes first (if any) and every record queued behind it in
// one append.
func (s *Service) writeAudits(ctx context.Context, first *kizuna.AuditEvent) {
	var batch []*kizuna.AuditEvent
	if first != nil {
		batch = append(batch, first)
	}
	for len(batch) < auditQueue {
		select {
		case ev := <-s.audits:
			batch = append(batch, ev)
			continue
		default:
		}
		break
	}
	if len(batch) == 0 {
		return
	}
	if err := s.store.AppendAudit(ctx, batch...); err != nil {
		s.logger.LogAttrs(ctx, slog.LevelError, "match: writing the audit records of withheld hits", slog.Int("records", len(batch)), slog.Any("err", err))
	}
}
