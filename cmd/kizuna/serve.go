package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"time"

	"github.com/kizuna-dev/kizuna/taxii"
)

// serveConfig is the configuration of a running node.
type serveConfig struct {
	Data             string
	Listen           string
	TLSCert, TLSKey  string
	Nation, Name     string
	Sample           bool
	MaxContentLength int64
	MaxPageSize      int
	// TLS serves HTTPS with the node's own certificate (the one its peers
	// pin); it is implied on any address but loopback.
	TLS bool
	// FedCatchUp is the federation's catch-up interval (0: the default).
	FedCatchUp time.Duration
	// RateLimit and RateBurst bound each principal's TAXII requests (0:
	// no limit); AuthFailures bounds each client address's failed
	// authentications per minute (0: no limit). See taxii.Config.
	RateLimit    float64
	RateBurst    int
	AuthFailures int
	// PostQueue is how many accepted TAXII POST envelopes may wait to be
	// ingested (0: the default, 64).
	PostQueue int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For the
	// node believes (taxii.Config.TrustedProxies).
	TrustedProxies []netip.Prefix
	// MetricsListen, when set, is the address of a listener serving
	// /metrics without credentials; the main address then serves none.
	// Without it, /metrics is on the main address for admin principals.
	MetricsListen string
	// Audit tunes the signing and witnessing of the audit log.
	Audit auditOptions
}

// listenEnv names the environment variable that sets serve's default
// address, so that scripts (and the README's tour) can move a node off the
// usual port without changing its command line.
const listenEnv = "KIZUNA_LISTEN"

func listenDefault() string {
	if v := os.Getenv(listenEnv); v != "" {
		return v
	}
	return "127.0.0.1:8443"
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna serve [--data DIR] [--listen ADDR] [flags]")
	fs.SetOutput(e.stderr)
	var cfg serveConfig
	fs.StringVar(&cfg.Data, "data", defaultDataDir, "data directory (initialised on first start)")
	fs.StringVar(&cfg.Listen, "listen", listenDefault(), "address to listen on (default: $"+listenEnv+" when set)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate file (PEM); with --tls-key enables HTTPS")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "TLS private key file (PEM)")
	fs.StringVar(&cfg.Nation, "nation", "USA", "the operator's nation (ISO 3166-1 alpha-3), used on first start")
	fs.StringVar(&cfg.Name, "name", "", "the node's display name, used on first start")
	fs.BoolVar(&cfg.Sample, "sample", false, "on first start, load the sample data set into a 'sample' collection")
	fs.Int64Var(&cfg.MaxContentLength, "max-content-length", 10<<20, "largest POST body accepted, in bytes")
	fs.IntVar(&cfg.MaxPageSize, "max-page-size", 1000, "largest page of objects a TAXII response carries")
	fs.BoolVar(&cfg.TLS, "tls", false, "serve HTTPS with the node's own certificate even on loopback (always on other addresses)")
	fs.DurationVar(&cfg.FedCatchUp, "federation-catch-up", 0, "interval of the federation's catch-up rounds (default 5s)")
	fs.Float64Var(&cfg.RateLimit, "rate-limit", 100, "TAXII requests per second allowed to each principal, sustained (0: no limit)")
	fs.IntVar(&cfg.RateBurst, "rate-burst", 200, "TAXII requests a principal may make at once, above --rate-limit")
	fs.IntVar(&cfg.PostQueue, "post-queue", taxii.DefaultQueueSize, "TAXII POST envelopes that may wait to be ingested; past them a POST is answered 503 with Retry-After")
	var proxies listFlag
	fs.Var(&proxies, "trusted-proxy", "address or CIDR of a reverse proxy in front of the node, whose X-Forwarded-For names the client (repeatable)")
	fs.StringVar(&cfg.MetricsListen, "metrics-listen", "", "address serving Prometheus metrics at /metrics without credentials (bind it where only monitoring reaches); without it, /metrics is on --listen and needs an admin's credentials")
	fs.IntVar(&cfg.AuthFailures, "auth-failures", 30, "failed authentications allowed per client address per minute; past them its requests are answered 429 (0: no limit)")
	cfg.Audit.register(fs)
	var lf logFlags
	lf.register(fs)
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	for _, p := range proxies {
		prefix, err := parsePrefix(p)
		if err != nil {
			return &exitError{code: 2, msg: "serve: --trusted-proxy " + err.Error()}
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, prefix)
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return &exitError{code: 2, msg: "serve: --tls-cert and --tls-key go together"}
	}
	logger, err := lf.logger(e.stderr)
	if err != nil {
		return &exitError{code: 2, msg: "serve: " + err.Error()}
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	return serve(ctx, e, cfg, ln, logger)
}

// serve runs a node on ln until ctx is done, then shuts down cleanly:
// in-flight requests and queued ingests finish first.
func serve(ctx context.Context, e *env, cfg serveConfig, ln net.Listener, logger *slog.Logger) error {
	init, err := ensureDataDir(ctx, cfg.Data, initOptions{Name: cfg.Name, Nation: cfg.Nation})
	if err != nil {
		ln.Close()
		return err
	}
	n, err := openNode(ctx, cfg.Data, logger)
	if err != nil {
		ln.Close()
		return err
	}
	defer n.Close()
	if init.Created || !n.bootstrapped() {
		if err := n.bootstrap(ctx, cfg.Sample); err != nil {
			ln.Close()
			return err
		}
		fmt.Fprintf(e.stdout, "initialised %s for nation %s\n", cfg.Data, n.id.Nation)
	}
	if init.Created {
		fmt.Fprintf(e.stdout, "admin token (also in %s/%s, shown only now): %s\n", cfg.Data, adminTokenFile, init.AdminToken)
	}

	// The envelopes a previous run accepted and did not finish (a crash, a
	// kill) are settled before any new one is accepted.
	settled, err := taxii.SettleInterrupted(ctx, n.store, n.store)
	if err != nil {
		ln.Close()
		return fmt.Errorf("settling interrupted TAXII statuses: %w", err)
	}
	if settled > 0 {
		logger.Warn("settled TAXII statuses left pending by an interrupted run", "statuses", settled)
	}

	// Stopped after the federation (deferred before it), so that the head
	// signed at shutdown covers everything the node recorded.
	stopAudit, err := n.startAuditHeads(ctx, cfg.Audit)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopAudit()
	stopFed, err := n.startFederation(ctx, fedOptions{CatchUp: cfg.FedCatchUp})
	if err != nil {
		ln.Close()
		return err
	}
	defer stopFed()
	stopSources, err := n.startSources(ctx) // source.go
	if err != nil {
		ln.Close()
		return err
	}
	defer stopSources()
	tlsConfig, err := n.serverTLS(cfg, ln)
	if err != nil {
		ln.Close()
		return err
	}

	m := newMetrics()
	m.registerFederation(n.fed)
	m.registerAudit(n.heads)
	if cfg.MetricsListen != "" {
		mln, err := net.Listen("tcp", cfg.MetricsListen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--metrics-listen: %w", err)
		}
		stopMetrics := m.serveSeparately(mln, logger)
		defer stopMetrics(context.Background())
		fmt.Fprintf(e.stdout, "Prometheus metrics: http://%s/metrics\n", mln.Addr())
	}
	handler, shutdownApp, err := n.httpHandler(ctx, cfg, m)
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{
		Handler:           m.instrument(handler),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		TLSConfig:         tlsConfig,
	}
	scheme := "http"
	if cfg.TLSCert != "" || tlsConfig != nil {
		scheme = "https"
	}
	url := fmt.Sprintf("%s://%s/taxii2/", scheme, ln.Addr())
	logger.Info("kizuna node listening", "url", url, "nation", n.id.Nation, "data", cfg.Data)
	fmt.Fprintf(e.stdout, "TAXII 2.1 discovery: %s\n", url)

	errc := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" || tlsConfig != nil {
			errc <- srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := shutdownApp(sctx); err == nil {
		err = serr
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return err
}

// parsePrefix reads a CIDR prefix, or a single address as the prefix of
// that address alone.
func parsePrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is neither an IP address nor a CIDR prefix", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}
