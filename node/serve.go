package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/taxii"
)

// ServeConfig is how a node serves.
type ServeConfig struct {
	// Listener is where the node serves TAXII, the native API and
	// /healthz (required; Serve closes it).
	Listener net.Listener
	// MetricsListener, when set, serves /metrics without credentials, and
	// Listener then serves none. Without it, /metrics is on Listener for
	// admin principals.
	MetricsListener net.Listener
	// TLSCert and TLSKey are the operator's certificate and key files
	// (PEM); they take precedence over the node's own certificate.
	TLSCert, TLSKey string
	// TLS serves HTTPS with the node's own certificate (the one its peers
	// pin); it is implied on any address but loopback.
	TLS bool
	// MaxContentLength and MaxPageSize bound a POST body and a TAXII page.
	MaxContentLength int64
	MaxPageSize      int
	// RateLimit and RateBurst bound each principal's TAXII requests (0:
	// no limit); AuthFailures bounds each client address's failed
	// authentications per minute (0: no limit). See taxii.Config.
	RateLimit    float64
	RateBurst    int
	AuthFailures int
	// MaxObjects is the most objects one POST envelope may hold
	// (taxii.Config.MaxObjects).
	MaxObjects int
	// PrincipalQueue is how many of the queued envelopes one principal may
	// hold (0: the default, a quarter of the queue and its workers).
	PrincipalQueue int
	// PostQueue is how many accepted TAXII POST envelopes may wait to be
	// ingested (0: taxii.DefaultQueueSize).
	PostQueue int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For the
	// node believes (taxii.Config.TrustedProxies).
	TrustedProxies []netip.Prefix
	// FedCatchUp is the federation's catch-up interval (0: the default).
	FedCatchUp time.Duration
	// Audit tunes the signing and witnessing of the audit log.
	Audit AuditOptions
	// Mounts register further HTTP routes on the node, in order, before
	// it serves.
	Mounts []Mount
	// Ready, when set, is called once the node accepts requests.
	Ready func(Listening)
}

// Listening says where a serving node answers.
type Listening struct {
	// Base is the node's root address (where the web workspace answers
	// when it is mounted).
	Base string
	// URL is the TAXII 2.1 discovery resource.
	URL string
	// MetricsURL is the Prometheus endpoint of MetricsListener ("" when
	// metrics are served on the main listener).
	MetricsURL string
}

// Serve runs the node until ctx is done, then shuts down cleanly:
// in-flight requests and queued ingests finish first. It settles the TAXII
// statuses an interrupted run left pending, starts the audit heads and the
// federation, and serves HTTP(S) on cfg.Listener. The node must be
// bootstrapped (see Bootstrap).
func (n *Node) Serve(ctx context.Context, cfg ServeConfig) (err error) {
	ln := cfg.Listener
	defer func() {
		if err != nil {
			ln.Close()
			if cfg.MetricsListener != nil {
				cfg.MetricsListener.Close()
			}
		}
	}()
	// The envelopes a previous run accepted and did not finish (a crash, a
	// kill) are settled before any new one is accepted. On a shared store
	// the other instances' pending statuses look alike: there, the holder
	// of a lease settles, as long as the node serves, those pending for
	// longer than any envelope takes.
	if n.shared() {
		sctx, stopSettling := context.WithCancel(context.WithoutCancel(ctx))
		settling := make(chan struct{})
		go func() {
			defer close(settling)
			federation.Leased(sctx, n.leaser(), "taxii settle", n.Logger, time.Second, n.settleStale)
		}()
		defer func() { stopSettling(); <-settling }()
	} else {
		settled, err := taxii.SettleInterrupted(ctx, n.Store, n.Store)
		if err != nil {
			return fmt.Errorf("settling interrupted TAXII statuses: %w", err)
		}
		if settled > 0 {
			n.Logger.Warn("settled TAXII statuses left pending by an interrupted run", "statuses", settled)
		}
	}

	// Stopped after the federation (deferred before it), so that the head
	// signed at shutdown covers everything the node recorded.
	stopAudit, err := n.startAuditHeads(ctx, cfg.Audit)
	if err != nil {
		return err
	}
	defer stopAudit()
	stopFed, err := n.startFederation(ctx, fedOptions{CatchUp: cfg.FedCatchUp})
	if err != nil {
		return err
	}
	defer stopFed()
	tlsConfig, err := n.serverTLS(ctx, cfg, ln)
	if err != nil {
		return err
	}

	m := newMetrics()
	m.registerFederation(n.fed)
	m.registerAudit(n.heads)
	var ready Listening
	if cfg.MetricsListener != nil {
		stopMetrics := m.serveSeparately(cfg.MetricsListener, n.Logger)
		defer stopMetrics(context.Background())
		ready.MetricsURL = fmt.Sprintf("http://%s/metrics", cfg.MetricsListener.Addr())
	}
	handler, shutdownApp, err := n.httpHandler(ctx, cfg, m)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           m.instrument(handler),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(n.Logger.Handler(), slog.LevelWarn),
		TLSConfig:         tlsConfig,
	}
	useTLS := cfg.TLSCert != "" || tlsConfig != nil
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	ready.Base = fmt.Sprintf("%s://%s/", scheme, ln.Addr())
	ready.URL = ready.Base + "taxii2/"
	n.Logger.Info("kizuna node listening", "url", ready.URL, "nation", n.Identity.Nation, "data", n.Dir)

	errc := make(chan error, 1)
	go func() {
		if useTLS {
			errc <- srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	if cfg.Ready != nil {
		cfg.Ready(ready)
	}
	select {
	case err := <-errc:
		shutdownApp(context.Background())
		return err
	case <-ctx.Done():
	}
	n.Logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := shutdownApp(sctx); err == nil {
		err = serr
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}

// Settling the statuses of instances that died: every settleEvery, those
// requested more than staleAfter ago. An instance's envelopes wait at most
// its POST queue (64 envelopes of at most 10 MiB each, by default), which
// it processes in minutes; staleAfter leaves a wide margin.
const (
	settleEvery = time.Minute
	staleAfter  = 30 * time.Minute
)

// settleStale settles stale statuses until ctx ends.
func (n *Node) settleStale(ctx context.Context) {
	t := time.NewTicker(settleEvery)
	defer t.Stop()
	for {
		settled, err := taxii.SettleStale(ctx, n.Store, n.Store, time.Now().Add(-staleAfter))
		if err != nil && ctx.Err() == nil {
			n.Logger.Warn("settling stale TAXII statuses failed; retrying", "err", err)
		} else if settled > 0 {
			n.Logger.Warn("settled TAXII statuses left pending by an instance that stopped", "statuses", settled)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
