package federation

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// puller fetches one collection of a plain TAXII peer into a local one.
type puller struct {
	s     *Service
	pc    *PeerConfig
	peer  Peer
	m     CollectionMap
	local string
}

func (p *puller) run(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		wait := p.s.cfg.CatchUp
		if err := p.sync(ctx); err != nil && ctx.Err() == nil {
			failures++
			p.s.stats.Failures.Add(1)
			wait = p.s.backoff(failures)
			p.s.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "federation pull failed; retrying",
				slog.String("peer", p.pc.Name), slog.String("collection", p.m.Remote),
				slog.Duration("retry_in", wait), slog.String("err", err.Error()))
		} else {
			failures = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
}

// sync ingests what the peer added after the cursor, as the peer's
// principal: the write rules and the verifier apply as to a push. The
// meta objects the pulled objects need are fetched from the peer and
// ingested first.
func (p *puller) sync(ctx context.Context) error {
	if p.s.cfg.Ingester == nil {
		return kizuna.Errorf(kizuna.EINTERNAL, "federation: no ingester to pull into")
	}
	pr, err := p.s.principal(ctx, p.pc)
	if err != nil {
		return err
	}
	pctx := kizuna.NewContextWithPrincipal(ctx, pr)
	finder := &pullFinder{p: p}
	meta := &kizuna.MetaSet{Finder: finder, Known: p.s.cfg.Known}
	for {
		cursor := p.s.cfg.Cursors.Get("pull", p.pc.Name, p.m.Remote)
		rctx, cancel := context.WithTimeout(ctx, requestTimeout)
		page, err := p.peer.Pull(rctx, p.m.Remote, cursor, p.s.cfg.BatchSize)
		cancel()
		if err != nil {
			return err
		}
		if len(page.Objects) == 0 {
			return nil
		}
		if page.Last.IsZero() || !page.Last.After(cursor) {
			return kizuna.Errorf(kizuna.EINVALID, "peer %q sent objects without a date_added past the cursor (X-TAXII-Date-Added-Last)", p.pc.Name)
		}
		var batch []json.RawMessage
		for _, raw := range page.Objects {
			// What this node signed comes back from a server it pushes to;
			// it holds the original already.
			if _, _, prov, err := Split(raw); err == nil && prov != nil && prov.Node == p.s.cfg.Node {
				continue
			}
			batch = append(batch, raw)
		}
		if len(batch) > 0 {
			requests, fetched, err := p.withMeta(pctx, meta, finder, batch)
			if err != nil {
				return err
			}
			for _, req := range requests {
				results, err := p.s.cfg.Ingester.Ingest(pctx, p.local, req)
				if err != nil {
					return err
				}
				for _, r := range results {
					if r.Err == nil && r.Created {
						p.s.stats.Pulled.Add(1)
					}
				}
			}
			if err := p.s.cfg.Cursors.SetMetaHeld("pull", p.pc.Name, p.m.Remote, fetched, nil); err != nil {
				return err
			}
		}
		if err := p.s.cfg.Cursors.Set("pull", p.pc.Name, p.m.Remote, page.Last); err != nil {
			return err
		}
		if !page.More {
			return nil
		}
	}
}
