package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict"
	"github.com/kizuna-dev/kizuna/deconflict/dcapi"
	"github.com/kizuna-dev/kizuna/deconflict/dcstix"
	"github.com/kizuna-dev/kizuna/node"
)

// deconflictRulesFile is the file of the data directory holding the
// conflict rules; without it the node runs the shipped ones.
const deconflictRulesFile = "deconflict/rules.json"

// loadDeconflictRules reads the conflict rules of a data directory, or the
// shipped ones.
func loadDeconflictRules(dataDir string) (*deconflict.Rules, error) {
	path := filepath.Join(dataDir, filepath.FromSlash(deconflictRulesFile))
	if _, err := os.Stat(path); err == nil {
		return deconflict.LoadRules(os.DirFS(dataDir), deconflictRulesFile)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return deconflict.LoadRules(deconflict.Defaults, deconflict.DefaultRules)
}

// ensureCollection creates a collection a mount keeps its objects in, with
// the node's default markings, unless one with its alias exists; c.ID is
// set either way.
func ensureCollection(n *node.Node, c *kizuna.Collection) error {
	ctx := context.Background()
	existing, err := n.Store.FindCollectionByID(ctx, c.Alias)
	switch {
	case err == nil:
		c.ID = existing.ID
		return nil
	case kizuna.ErrorCode(err) == kizuna.ENOTFOUND:
		return n.CreateCollection(ctx, c)
	}
	return err
}

// deconflictMount wires the deconfliction registry into a serving node:
// the collection of registrations and notices (which no peer may read, so
// they never federate) and the routes under /api/v1/; it keeps its server
// in *served.
func deconflictMount(served **dcapi.Server) node.Mount {
	return func(n *node.Node, r *node.Router) error {
		rules, err := loadDeconflictRules(n.Dir)
		if err != nil {
			return errors.New(errorText(err))
		}
		coll := &kizuna.Collection{Alias: dcapi.CollectionAlias, Title: "Deconfliction",
			Description: "Registered defensive actions and deconfliction notices; not federated.",
			CanRead:     kizuna.AccessRule{Roles: []string{kizuna.RoleReader, kizuna.RolePublisher, kizuna.RoleAdmin}},
			CanWrite:    kizuna.AccessRule{Roles: []string{kizuna.RolePublisher, kizuna.RoleAdmin}}}
		if err := ensureCollection(n, coll); err != nil {
			return err
		}
		x := &dcapi.Exchange{Self: n.Identity.Nation, State: n.State, Audit: n.Audit, Dial: dialExchange(n)}
		s := &dcapi.Server{Rules: rules, Objects: n.Guard, Collections: n.Guard, Store: n.Store, Ingester: n.Ingest, Notices: operatorIngester{n.Ingest},
			Operator: n.Identity.Organization, Collection: coll.ID, WriteError: r.WriteError, Logger: n.Logger, Exchange: x}
		s.Register(r.Mux, r.Protect)
		*served = s
		r.Go("", x.Run)
		return nil
	}
}

// dialExchange returns the function that reaches a peer's node for the
// deconfliction exchange: a kizuna peer configured here, over its pinned
// connection with this node's credentials on it.
func dialExchange(n *node.Node) func(ctx context.Context, name string) (dcapi.Peer, error) {
	return func(ctx context.Context, name string) (dcapi.Peer, error) {
		peers, err := n.Peers(ctx)
		if err != nil {
			return nil, err
		}
		pc := peers.Find(name)
		if pc == nil || pc.Plain {
			return nil, kizuna.Errorf(kizuna.EINVALID, "no kizuna peer named %q on this node", name)
		}
		return node.DialNative(pc)
	}
}

const deconflictUsage = `Usage: kizuna deconflict COMMAND [flags]

The deconfliction registry of a node, through its native API, as the
principal whose token is given (--token, --token-file or $KIZUNA_TOKEN):

  register FILE              register a defensive action (an x-kizuna-defensive-action), or a new
                             version of one; prints the conflicts with the registrations you may read
  list [--mine]              the registrations you may read (--mine: your organisation's)
  show ID                    one registration
  conflicts ID               the conflicts of a registration with those you may read
  notices                    the deconfliction notices addressed to your organisation

and, on the node's data directory or store:

  agreement add|list|remove|new-key
                             the agreements under which the node matches with allies' nodes

Run 'kizuna deconflict COMMAND -h' for its flags.`

func runDeconflict(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, deconflictUsage); handled {
		return err
	}
	sub, rest := args[0], args[1:]
	if sub == "agreement" {
		return runDeconflictAgreement(ctx, e, rest)
	}
	specs := map[string]struct {
		synopsis string
		n        int
	}{
		"register": {"FILE [flags]", 1}, "list": {"[--mine] [flags]", 0}, "show": {"ID [flags]", 1},
		"conflicts": {"ID [flags]", 1}, "notices": {"[flags]", 0},
	}
	sp, ok := specs[sub]
	if !ok {
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna deconflict: unknown command %q\n\n%s", sub, deconflictUsage)}
	}
	var mine bool
	var extra func(*flag.FlagSet)
	if sub == "list" {
		extra = func(fs *flag.FlagSet) { fs.BoolVar(&mine, "mine", false, "only your organisation's registrations") }
	}
	c, pos, _, err := nodeCommand(e, "deconflict "+sub, sp.synopsis, rest, sp.n, extra)
	if err != nil {
		return err
	}
	if err := deconflictCommand(e, c, sub, pos, mine); err != nil {
		if _, ok := err.(*exitError); !ok {
			err = &exitError{code: 1, msg: "deconflict " + sub + ": " + err.Error()}
		}
		return err
	}
	return nil
}

func deconflictCommand(e *env, c *apiClient, sub string, pos []string, mine bool) error {
	switch sub {
	case "register":
		objs, err := readSTIXFile(pos[0])
		if err != nil {
			return err
		}
		if len(objs) != 1 {
			return fmt.Errorf("%s: one x-kizuna-defensive-action expected, found %d objects", pos[0], len(objs))
		}
		var out dcapi.Registered
		if _, err := c.call("POST", "/api/v1/defensive-actions", objs[0], &out); err != nil {
			return err
		}
		var head struct{ ID string }
		json.Unmarshal(out.Action, &head)
		fmt.Fprintf(e.stdout, "registered %s\n", head.ID)
		writeConflicts(e, out.Conflicts)
		return nil
	case "list":
		var out struct {
			Actions []json.RawMessage `json:"actions"`
		}
		path := "/api/v1/defensive-actions"
		if mine {
			path += "?mine=true"
		}
		if _, err := c.call("GET", path, nil, &out); err != nil {
			return err
		}
		for _, raw := range out.Actions {
			a, err := dcstix.DecodeAction(raw)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s\t%s\t%s CAT%d\t%s\t%s/%s\t%s\n", a.ID, a.State, a.Kind, a.Category,
				a.Start.Format(time.RFC3339)+"/"+a.End.Format(time.RFC3339), a.Nation, a.Organization, a.Name)
		}
		return nil
	case "show":
		var out json.RawMessage
		if _, err := c.call("GET", "/api/v1/defensive-actions/"+url.PathEscape(pos[0]), nil, &out); err != nil {
			return err
		}
		return printJSON(e.stdout, out)
	case "conflicts":
		var out struct {
			Conflicts []dcapi.Conflict `json:"conflicts"`
		}
		if _, err := c.call("GET", "/api/v1/defensive-actions/"+url.PathEscape(pos[0])+"/conflicts", nil, &out); err != nil {
			return err
		}
		writeConflicts(e, out.Conflicts)
		return nil
	case "notices":
		var out struct {
			Notices []json.RawMessage `json:"notices"`
		}
		if _, err := c.call("GET", "/api/v1/deconfliction/notices", nil, &out); err != nil {
			return err
		}
		for _, raw := range out.Notices {
			n, err := dcstix.DecodeNotice(raw)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s\t%s\t%s\tyour %s meets %s/%s %s CAT%d\t%s/%s\n", n.ID, n.Severity, n.Rule, n.ActionRef,
				n.OtherNation, n.OtherOrg, n.OtherKind, n.OtherCategory, n.WindowStart.Format(time.RFC3339), n.WindowEnd.Format(time.RFC3339))
		}
		return nil
	}
	return nil
}

// writeConflicts prints one line per conflict, or that there is none.
func writeConflicts(e *env, cs []dcapi.Conflict) {
	if len(cs) == 0 {
		fmt.Fprintln(e.stdout, "no conflict with the registrations you may read")
		return
	}
	for _, c := range cs {
		fmt.Fprintf(e.stdout, "conflict\t%s\t%s\twith %s (%s/%s %s CAT%d)\toverlap %s\t%s/%s\n", c.Severity, strings.Join(c.Rules, ","),
			c.OtherRef, c.OtherNation, c.OtherOrg, c.OtherKind, c.OtherCat, strings.Join(c.Overlap, ","),
			c.WindowStart.Format(time.RFC3339), c.WindowEnd.Format(time.RFC3339))
	}
}
