package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/source"
	"github.com/kizuna-dev/kizuna/taxii"
)

// The documents of the node's state that hold the TAXII sources: their
// configuration, their cursors and health, and their credentials. On
// SQLite each is a file of the data directory (0600); on PostgreSQL they
// are in the database, shared by every instance, the credentials sealed
// under the key file (node.SecretsSuffix).
const (
	sourcesFile       = "sources.json"
	sourceStateFile   = "source-state.json"
	sourceSecretsFile = "sources" + node.SecretsSuffix
)

// sourceLease is the lease under which, among the instances sharing a
// PostgreSQL store, one pulls the sources.
const sourceLease = "taxii sources"

const sourceUsage = `Usage: kizuna source add|list|pull|remove [flags]

  add     pull a collection of a TAXII 2.1 server into a new local collection, on a schedule
  list    list the sources with their health: last pull, last error, counts, lag
  pull    pull a source now
  remove  stop pulling a source (its collection and what it holds stay)

'kizuna serve' pulls every source on its interval; sources added or removed take effect within
30 seconds. Among the instances of a node sharing PostgreSQL, one pulls them at a time. Each source writes as a principal of its own (role publisher, with no token: nobody
authenticates as it) into a collection of its own, whose default marking is the source's: an object the partner sent unmarked
takes it, one the partner marked keeps its markings.

Run 'kizuna source SUBCOMMAND -h' for the flags of a subcommand.`

func runSource(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, sourceUsage); handled {
		return err
	}
	switch args[0] {
	case "add":
		return runSourceAdd(ctx, e, args[1:])
	case "list":
		return runSourceList(ctx, e, args[1:])
	case "pull":
		return runSourcePull(ctx, e, args[1:])
	case "remove":
		return runSourceRemove(ctx, e, args[1:])
	default:
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna source: unknown subcommand %q (want add, list, pull or remove)", args[0])}
	}
}

// sourcePrincipal names the principal a source writes as.
func sourcePrincipal(name string) string { return "source-" + name }

func runSourceAdd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("source add", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna source add --name NAME --url API-ROOT --collection ID --into ALIAS --marking ID --nation NNN --org ORG [flags]")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	var c source.Config
	var markings, actsFor listFlag
	fs.StringVar(&c.Name, "name", "", "the source's name (required)")
	fs.StringVar(&c.APIRoot, "url", "", "the TAXII 2.1 API root URL, e.g. https://taxii.example/api/ (required)")
	fs.StringVar(&c.Collection, "collection", "", "the remote collection's id (required)")
	into := fs.String("into", "", "alias of the local collection to create for the source (required)")
	fs.Var(&markings, "marking", "a marking-definition id of the source's default marking (repeatable; required)")
	nation := fs.String("nation", "", "the nation of the source's organisation (required)")
	org := fs.String("org", "", "the source's organisation: an identity id or a name given to 'kizuna org add' (required)")
	fs.Var(&actsFor, "acts-for", "an organisation (identity id) whose objects the source may bring besides its own (repeatable)")
	tokenFile := fs.String("token-file", "", "a file holding the bearer token (or, with --user, the password) for the server")
	fs.StringVar(&c.Username, "user", "", "HTTP Basic user name; the password is in --token-file")
	fs.StringVar(&c.CertSHA256, "cert-sha256", "", "pin the server's certificate (hex SHA-256 of its DER); default: the system's roots")
	interval := fs.Duration("interval", source.DefaultInterval, "time between pulls")
	fs.IntVar(&c.PageSize, "page-size", 0, "objects asked for per page (default 1000)")
	readRoles := fs.String("read-roles", "reader,publisher,admin", "roles that may read the local collection (comma-separated)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	c.Markings, c.ActsFor, c.Interval, c.Principal = markings, actsFor, source.Duration(*interval), sourcePrincipal(c.Name)
	c.Into = *into // replaced by the collection's id once created
	if err := c.Validate(); err != nil {
		return &exitError{code: 2, msg: "source add: " + errorText(err)}
	}
	if *nation == "" || *org == "" {
		return &exitError{code: 2, msg: "source add: --nation and --org are required: they are the source's principal's"}
	}
	if !node.IsNationCode(*nation) {
		return &exitError{code: 2, msg: fmt.Sprintf("source add: --nation %q: want an ISO 3166-1 alpha-3 code", *nation)}
	}
	if c.Username != "" && *tokenFile == "" {
		return &exitError{code: 2, msg: "source add: --user needs the password in --token-file"}
	}
	var secret string
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			return err
		}
		if secret = strings.TrimSpace(string(b)); secret == "" {
			return fmt.Errorf("source add: --token-file %s is empty", *tokenFile)
		}
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	sources, err := readSources(ctx, n.State)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(sources, func(s source.Config) bool { return s.Name == c.Name }) {
		return fmt.Errorf("source add: a source named %q exists", c.Name)
	}
	for _, m := range c.Markings {
		if err := n.knownMarking(ctx, m); err != nil {
			return fmt.Errorf("source add: --marking %s: %s", m, errorText(err))
		}
	}
	orgID, err := n.ResolveOrganization(ctx, *org)
	if err != nil {
		return fmt.Errorf("source add: --org %q: %v", *org, err)
	}
	p := &kizuna.Principal{ID: "principal--" + kizuna.NewUUID(), Name: c.Principal, Nation: *nation,
		Organization: orgID, Roles: []string{kizuna.RolePublisher}, CreatedAt: time.Now().UTC()}
	// Nobody authenticates as a source: its token is drawn and forgotten.
	if err := n.Store.CreatePrincipal(ctx, p, kizuna.HashToken(kizuna.NewToken())); err != nil {
		return fmt.Errorf("source add: its principal %q: %s", c.Principal, errorText(err))
	}
	coll := &kizuna.Collection{Alias: *into, Title: "Source " + c.Name,
		Description:        fmt.Sprintf("Pulled from the TAXII collection %s of %s.", c.Collection, c.APIRoot),
		CanRead:            kizuna.AccessRule{Roles: splitList(*readRoles)},
		CanWrite:           kizuna.AccessRule{Roles: []string{kizuna.RolePublisher}, Organizations: []string{orgID}},
		DefaultMarkingRefs: c.Markings}
	if err := n.CreateCollection(ctx, coll); err != nil {
		return fmt.Errorf("source add: --into %q: %s", *into, errorText(err))
	}
	c.Into = coll.ID
	if secret != "" {
		if err := updateSourceSecrets(ctx, n.State, func(m map[string]string) { m[c.Name] = secret }); err != nil {
			return err
		}
	}
	err = n.updateSources(ctx, func(cs []source.Config) ([]source.Config, error) {
		if slices.ContainsFunc(cs, func(s source.Config) bool { return s.Name == c.Name }) {
			return nil, fmt.Errorf("source add: a source named %q exists", c.Name)
		}
		return append(cs, c), nil
	})
	if err != nil {
		return err
	}
	n.Audit(ctx, &kizuna.AuditEvent{Action: "source.add", Object: coll.ID, Reason: fmt.Sprintf(
		"source %s: %s collection %s, as principal %s, default marking %s, every %s", c.Name, c.APIRoot, c.Collection, p.Name, strings.Join(c.Markings, ", "), c.Every())})
	fmt.Fprintf(e.stdout, "source %s: pulls %s collection %s into %s (%s) every %s as %s\n", c.Name, c.APIRoot, c.Collection, *into, coll.ID, c.Every(), p.Name)
	return nil
}

func runSourceList(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("source list", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna source list [--data DIR]")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	sources, err := readSources(ctx, n.State)
	if err != nil {
		return err
	}
	state, err := source.OpenState(ctx, n.State, sourceStateFile)
	if err != nil {
		return err
	}
	states, err := state.All(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	when := func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format(time.RFC3339)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tURL\tCOLLECTION\tINTO\tEVERY\tLAST SUCCESS\tFAILURES\tREAD\tSTORED\tREFUSED\tGAPS\tLAG\tLAST ERROR")
	for _, c := range sources {
		st := states[c.Name]
		lag := "-"
		if !st.Cursor.IsZero() {
			lag = st.Lag(now).Truncate(time.Second).String()
		}
		if st.NoDates {
			lag = "unknown (the server sends no dates)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", c.Name, c.APIRoot, c.Collection, c.Into, c.Every(),
			when(st.LastSuccess), st.Failures, st.Read, st.Stored, st.Refused, st.Gaps, lag, st.LastError)
	}
	return tw.Flush()
}

func runSourcePull(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("source pull", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna source pull --name NAME [--data DIR]\n\nPulls now what the source added since its cursor (do not run it beside a 'kizuna serve' of the same node: both would move the cursor).")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	name := fs.String("name", "", "the source to pull (required)")
	var lf logFlags
	lf.register(fs)
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	logger, err := lf.logger(e.stderr)
	if err != nil {
		return err
	}
	n, err := data.open(ctx, logger)
	if err != nil {
		return err
	}
	defer n.Close()
	svc, err := sourceService(ctx, n.Node)
	if err != nil {
		return err
	}
	sources, err := svc.Sources()
	if err != nil {
		return err
	}
	i := slices.IndexFunc(sources, func(s source.Config) bool { return s.Name == *name })
	if i < 0 {
		return &exitError{code: 2, msg: fmt.Sprintf("source pull: no source named %q", *name)}
	}
	rep, err := svc.Pull(ctx, sources[i])
	fmt.Fprintf(e.stdout, "source %s: %d pages, %d objects read, %d stored, %d refused, %d gaps\n", *name, rep.Pages, rep.Read, rep.Stored, rep.Refused, rep.Gaps)
	if err != nil {
		return fmt.Errorf("source pull: %s", errorText(err))
	}
	return nil
}

func runSourceRemove(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("source remove", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna source remove --name NAME [--data DIR]\n\nStops pulling the source and revokes its principal; its collection and what it holds stay.")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	name := fs.String("name", "", "the source to remove (required)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	var c source.Config
	err = n.updateSources(ctx, func(cs []source.Config) ([]source.Config, error) {
		i := slices.IndexFunc(cs, func(s source.Config) bool { return s.Name == *name })
		if i < 0 {
			return nil, &exitError{code: 2, msg: fmt.Sprintf("source remove: no source named %q", *name)}
		}
		c = cs[i]
		return slices.Delete(cs, i, i+1), nil
	})
	if err != nil {
		return err
	}
	if err := n.Store.RevokePrincipal(ctx, c.Principal); err != nil && kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		return err
	}
	if err := updateSourceSecrets(ctx, n.State, func(m map[string]string) { delete(m, c.Name) }); err != nil {
		return err
	}
	if state, err := source.OpenState(ctx, n.State, sourceStateFile); err == nil {
		state.Delete(ctx, c.Name)
	}
	n.Audit(ctx, &kizuna.AuditEvent{Action: "source.remove", Object: c.Into, Reason: "source " + c.Name + "; principal " + c.Principal + " revoked"})
	fmt.Fprintf(e.stdout, "source %s removed; its collection %s stays\n", c.Name, c.Into)
	return nil
}

// sourceList is the sources document.
var sourceList = stateList[source.Config]{name: sourcesFile, parse: source.ParseConfigs, marshal: source.MarshalConfigs}

// readSources reads the sources document of a node's state; none is no
// sources.
func readSources(ctx context.Context, st kizuna.StateStore) ([]source.Config, error) {
	return sourceList.read(ctx, st)
}

// updateSources replaces the sources document with what fn makes of it.
func (n *cliNode) updateSources(ctx context.Context, fn func([]source.Config) ([]source.Config, error)) error {
	return sourceList.update(ctx, n.State, fn)
}

// readSourceSecrets reads the sources' credentials: source name to the
// bearer token or password.
func readSourceSecrets(ctx context.Context, st kizuna.StateStore) (map[string]string, error) {
	b, err := st.ReadState(ctx, sourceSecretsFile)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return map[string]string{}, nil
	} else if err != nil {
		return nil, err
	}
	return decodeSourceSecrets(st, b)
}

func decodeSourceSecrets(st kizuna.StateStore, b []byte) (map[string]string, error) {
	m := map[string]string{}
	if b == nil {
		return m, nil
	}
	if err := json.Unmarshal(b, &m); err != nil {
		// The content is a secret: the error does not quote it.
		return nil, fmt.Errorf("%s: not a JSON object of source names to secrets", federation.Where(st, sourceSecretsFile))
	}
	return m, nil
}

// updateSourceSecrets changes the sources' credentials atomically.
func updateSourceSecrets(ctx context.Context, st kizuna.StateStore, fn func(map[string]string)) error {
	return st.UpdateState(ctx, sourceSecretsFile, func(old []byte) ([]byte, error) {
		m, err := decodeSourceSecrets(st, old)
		if err != nil {
			return nil, err
		}
		fn(m)
		b, err := json.MarshalIndent(m, "", "  ")
		return append(b, '\n'), err
	})
}

// knownMarking reports whether the node can interpret a marking id: an
// OASIS TLP marking, or a marking-definition it holds.
func (n *cliNode) knownMarking(ctx context.Context, id string) error {
	if _, ok := policy.TLPOf(id); ok {
		return nil
	}
	page, err := n.Store.FindObjects(ctx, kizuna.ObjectFilter{IDs: []string{id}, Types: []string{"marking-definition"},
		Versions: kizuna.VersionMatch{Last: true}, Access: kizuna.AccessScope{Unrestricted: true}, Limit: 1})
	if err != nil {
		return err
	}
	if len(page.Objects) == 0 {
		return kizuna.Errorf(kizuna.ENOTFOUND, "not a marking-definition this node holds (import it into the directory first)")
	}
	return nil
}

// sourceAgency lets a source's principal (by its name, which only a source
// holds) act for the organisations its configuration names (its
// acts_for), besides its own; every other principal is answered by the
// node's peer agency.
type sourceAgency struct {
	next    policy.Agency
	actsFor *atomic.Pointer[map[string][]string] // principal name: organisations
}

// ActsFor implements policy.Agency.
func (a sourceAgency) ActsFor(pr *kizuna.Principal, org, signer string) (string, bool) {
	if pr != nil && pr.HasRole(kizuna.RolePublisher) {
		if m := a.actsFor.Load(); m != nil && slices.Contains((*m)[pr.Name], org) {
			return pr.Nation, true
		}
	}
	if a.next == nil {
		return "", false
	}
	return a.next.ActsFor(pr, org, signer)
}

// sourceService wires the source service: the sources document (read
// again at each rescan, which also refreshes the agency), the state
// document, the TAXII client of each source and the node's ingest. It
// installs an agency that lets each source's principal act for its
// acts_for and leaves every other principal to the agency installed before
// (the federation's, which must therefore be installed first).
func sourceService(ctx context.Context, n *node.Node) (*source.Service, error) {
	state, err := source.OpenState(ctx, n.State, sourceStateFile)
	if err != nil {
		return nil, err
	}
	actsFor := &atomic.Pointer[map[string][]string]{}
	load := func() ([]source.Config, error) {
		cs, err := readSources(context.Background(), n.State)
		if err != nil {
			return nil, err
		}
		m := map[string][]string{}
		for _, c := range cs {
			m[c.Principal] = c.ActsFor
		}
		actsFor.Store(&m)
		return cs, nil
	}
	if _, err := load(); err != nil {
		return nil, err
	}
	n.Policy.SetAgency(sourceAgency{next: n.Policy.Agency(), actsFor: actsFor})
	return &source.Service{
		Sources: load, State: state, Fetcher: sourceFetcher(n), Ingest: sourceIngest(n),
		Audit: n.Audit, Logger: n.Logger.With("component", "source"),
	}, nil
}

// sourceFetcher returns the fetchers of the sources' remote collections.
func sourceFetcher(n *node.Node) func(c source.Config) (source.Fetcher, error) {
	return func(c source.Config) (source.Fetcher, error) {
		client := &http.Client{Timeout: 2 * time.Minute}
		if c.CertSHA256 != "" {
			pinned, err := federation.PinnedClient(c.CertSHA256, 2*time.Minute)
			if err != nil {
				return nil, err
			}
			client = pinned
		}
		secrets, err := readSourceSecrets(context.Background(), n.State)
		if err != nil {
			return nil, err
		}
		tc := &taxii.Client{APIRoot: c.APIRoot, HTTPClient: client, Username: c.Username, Token: secrets[c.Name]}
		return func(ctx context.Context, q source.Query) (*source.Page, error) {
			p, err := tc.GetObjects(ctx, c.Collection, taxii.ObjectQuery{AddedAfter: q.AddedAfter, Next: q.Next, Limit: q.Limit})
			if err != nil {
				return nil, err
			}
			return &source.Page{Objects: p.Objects, More: p.More, Next: p.Next, DateAddedFirst: p.DateAddedFirst, DateAddedLast: p.DateAddedLast}, nil
		}, nil
	}
}

// sourceIngest stores a page as the source's principal, through the
// node's ingest: validation, labels, the write rules and the audit of
// every refusal apply as to any writer.
func sourceIngest(n *node.Node) func(ctx context.Context, c source.Config, objs []json.RawMessage) (source.Stored, error) {
	return func(ctx context.Context, c source.Config, objs []json.RawMessage) (source.Stored, error) {
		p, err := n.Store.FindPrincipalByName(ctx, c.Principal)
		if err != nil {
			return source.Stored{}, fmt.Errorf("source %s: its principal %q: %s", c.Name, c.Principal, errorText(err))
		}
		if p.RevokedAt != nil || !p.HasRole(kizuna.RolePublisher) {
			return source.Stored{}, kizuna.Errorf(kizuna.EFORBIDDEN, "source %s: its principal %q is revoked or lacks the publisher role", c.Name, c.Principal)
		}
		results, err := n.Ingest.Ingest(kizuna.NewContextWithPrincipal(ctx, p), c.Into, objs)
		if err != nil {
			return source.Stored{}, err
		}
		var st source.Stored
		for _, r := range results {
			switch {
			case r.Err != nil:
				st.Refused++
				n.Logger.Debug("source object refused", "source", c.Name, "id", r.ID, "err", errorText(r.Err))
			case r.Created:
				st.New++
			}
		}
		return st, nil
	}
}

// sourceMount pulls the sources while the node serves, on the instance
// holding sourceLease among those sharing a PostgreSQL store. Mounts run
// after the federation has installed its agency, which the sources' agency
// extends; every instance installs it.
func sourceMount() node.Mount {
	return func(n *node.Node, r *node.Router) error {
		svc, err := sourceService(context.Background(), n)
		if err != nil {
			return err
		}
		r.Go(sourceLease, svc.Run)
		return nil
	}
}
