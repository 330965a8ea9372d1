package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"

	"github.com/kizuna-dev/kizuna/deconflict/dcapi"
	"github.com/kizuna-dev/kizuna/defense/defapi"
	"github.com/kizuna-dev/kizuna/exercise/exapi"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/route/routeapi"
	"github.com/kizuna-dev/kizuna/stream"
	"github.com/kizuna-dev/kizuna/taxii"
	"github.com/kizuna-dev/kizuna/web"
)

// serveConfig is the configuration of 'kizuna serve': where the node's
// data is, how to initialise it on first start, the addresses, and how the
// node serves.
type serveConfig struct {
	// Data, Store and KeyFile name the node (see nodeFlags).
	Data, Store, KeyFile string
	Listen               string
	Nation, Name         string
	Sample               bool
	MetricsListen        string
	// Stream limits the live stream (zero: its defaults).
	Stream stream.Options
	node.ServeConfig
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
	var nf nodeFlags
	nf.register(fs, "data directory (initialised on first start)")
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
	fs.IntVar(&cfg.MaxObjects, "max-envelope-objects", taxii.DefaultMaxObjects, "most objects one TAXII POST envelope may hold; a larger one is answered 413")
	fs.IntVar(&cfg.PostQueue, "post-queue", taxii.DefaultQueueSize, "TAXII POST envelopes that may wait to be ingested; past them a POST is answered 503 with Retry-After")
	fs.IntVar(&cfg.PrincipalQueue, "post-queue-per-principal", 0, "envelopes of the POST queue one principal may hold; past them its POST is answered 429 with Retry-After (0: a quarter of the queue and its workers)")
	var proxies listFlag
	fs.Var(&proxies, "trusted-proxy", "address or CIDR of a reverse proxy in front of the node, whose X-Forwarded-For names the client (repeatable)")
	fs.StringVar(&cfg.MetricsListen, "metrics-listen", "", "address serving Prometheus metrics at /metrics without credentials (bind it where only monitoring reaches); without it, /metrics is on --listen and needs an admin's credentials")
	fs.IntVar(&cfg.AuthFailures, "auth-failures", 30, "failed authentications allowed per client address per minute; past them its requests are answered 429 (0: no limit)")
	fs.IntVar(&cfg.Stream.MaxStreams, "stream-max-open", 256, "live streams (GET /api/v1/stream) the instance keeps open at once; past them a request is answered 429")
	fs.IntVar(&cfg.Stream.MaxPerPrincipal, "stream-max-per-principal", 4, "live streams one principal may keep open on the instance; past them its request is answered 429")
	registerAuditFlags(fs, &cfg.Audit)
	var lf logFlags
	lf.register(fs)
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	cfg.Data, cfg.Store, cfg.KeyFile = nf.dir, nf.store, nf.keyFile
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

// serve initialises the data directory on first start, then runs its node
// on ln until ctx is done, printing where it answers.
func serve(ctx context.Context, e *env, cfg serveConfig, ln net.Listener, logger *slog.Logger) error {
	nf := nodeFlags{dir: cfg.Data, store: cfg.Store, keyFile: cfg.KeyFile}
	init, err := node.Init(ctx, nf.config(nil), node.InitOptions{Name: cfg.Name, Nation: cfg.Nation})
	if err != nil {
		ln.Close()
		return err
	}
	n, err := node.Open(ctx, nf.config(logger))
	if err != nil {
		ln.Close()
		return err
	}
	defer n.Close()
	if init.Created || !n.Bootstrapped(ctx) {
		if err := n.Bootstrap(ctx, cfg.Sample); err != nil {
			ln.Close()
			return err
		}
		fmt.Fprintf(e.stdout, "initialised %s for nation %s\n", nf.where(), n.Identity.Nation)
	}
	if init.Created {
		fmt.Fprintf(e.stdout, "admin token (also in %s/%s, shown only now): %s\n", cfg.Data, node.AdminTokenFile, init.AdminToken)
	}
	sc := cfg.ServeConfig
	// The deconfliction registry (deconflict.go) and exercises (exercise.go).
	schedule, tick := exerciseSchedule()
	var registry *dcapi.Server
	var exercises *exapi.Server
	sc.Mounts = append(sc.Mounts, deconflictMount(&registry), exerciseMount(nil, schedule, tick, &exercises))
	sc.Listener = ln
	// Collective defense (defense.go), the feeds (feed.go), the TAXII
	// sources (source.go) and sector routing (route/routeapi).
	var defense *defapi.Server
	sc.Mounts = append([]node.Mount{defenseMount(nil, &defense), feedMount(), sourceMount()}, sc.Mounts...)
	sc.Mounts = append(sc.Mounts, routeapi.Mount(routeapi.Options{}))
	// The live stream (GET /api/v1/stream).
	sc.Mounts = append(sc.Mounts, stream.Mount(cfg.Stream))
	// The web workspace at / (web), after collective defense and the
	// deconfliction registry and exercises, whose incidents, consultations,
	// actions, notices and exercises it shows.
	sc.Mounts = append(sc.Mounts, web.Mount(web.Options{Defense: func() *defapi.Server { return defense },
		Deconfliction: func() *dcapi.Server { return registry }, Exercises: func() *exapi.Server { return exercises }}))
	if cfg.MetricsListen != "" {
		mln, err := net.Listen("tcp", cfg.MetricsListen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--metrics-listen: %w", err)
		}
		sc.MetricsListener = mln
	}
	sc.Ready = func(l node.Listening) {
		if l.MetricsURL != "" {
			fmt.Fprintf(e.stdout, "Prometheus metrics: %s\n", l.MetricsURL)
		}
		fmt.Fprintf(e.stdout, "workspace: %s\n", l.Base)
		fmt.Fprintf(e.stdout, "TAXII 2.1 discovery: %s\n", l.URL)
	}
	return n.Serve(ctx, sc)
}

// registerAuditFlags adds the flags of the audit log's signing and
// witnessing to a command.
func registerAuditFlags(fs *flag.FlagSet, o *node.AuditOptions) {
	fs.Int64Var(&o.SignEvery, "audit-sign-every", federation.DefaultSignEvery, "sign the audit log's head after this many new entries")
	fs.DurationVar(&o.SignInterval, "audit-sign-interval", federation.DefaultSignInterval, "sign the audit log's head when a new entry has waited this long")
	fs.DurationVar(&o.WitnessInterval, "audit-witness-interval", federation.DefaultWitnessInterval, "offer the latest signed head to each kizuna peer this often")
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
