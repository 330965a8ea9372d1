package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/node"
)

const peerUsage = `Usage: kizuna peer add|list|set-token|resend|remove [flags]

  add        add a peering agreement with another node
  list       list the peers
  set-token  set this node's token on a peer
  resend     send a peer again what it may receive
  remove     remove a peer

Run 'kizuna peer SUBCOMMAND -h' for the flags of a subcommand.`

func runPeer(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, peerUsage); handled {
		return err
	}
	switch args[0] {
	case "add":
		return runPeerAdd(ctx, e, args[1:])
	case "list":
		return runPeerList(ctx, e, args[1:])
	case "remove":
		return runPeerRemove(ctx, e, args[1:])
	case "set-token":
		return runPeerSetToken(ctx, e, args[1:])
	case "resend":
		return runPeerResend(ctx, e, args[1:])
	default:
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna peer: unknown subcommand %q (want add, list, set-token, resend or remove)", args[0])}
	}
}

// peerAddFlags are the flags of 'kizuna peer add'.
type peerAddFlags struct {
	data                    *nodeFlags
	pc                      federation.PeerConfig
	clearances, communities listFlag
	behind, maps            listFlag
	pull, noPush            bool
}

func runPeerAdd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("peer add", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna peer add --name NAME --url URL --nation NNN --org ID [flags]")
	fs.SetOutput(e.stderr)
	var f peerAddFlags
	f.data = nodeFlagsOf(fs)
	fs.StringVar(&f.pc.Name, "name", "", "the peer's name, also its principal's name here (required)")
	fs.StringVar(&f.pc.URL, "url", "", "the peer's TAXII API root, e.g. https://jp.example:8443/taxii2/api/ (required)")
	fs.StringVar(&f.pc.Node, "node", "", "the peer node's identity id ('kizuna node key' on the peer prints it)")
	fs.StringVar(&f.pc.PublicKey, "public-key", "", "the peer's signing key, ed25519:BASE64 (pinned)")
	fs.StringVar(&f.pc.CertSHA256, "cert-sha256", "", "the peer's TLS certificate SHA-256 fingerprint (pinned; required for https)")
	fs.StringVar(&f.pc.Username, "username", "", "this node's user name on the peer (HTTP Basic); empty sends the token as a bearer token")
	fs.StringVar(&f.pc.Token, "token", "", "this node's token on the peer")
	fs.BoolVar(&f.pc.Plain, "plain", false, "the peer is a plain TAXII server that does not sign: accept its objects unsigned")
	fs.StringVar(&f.pc.Nation, "nation", "", "the peer's nation, ISO 3166-1 alpha-3 (required)")
	fs.StringVar(&f.pc.Organization, "org", "", "the identity id of the peer's operating organisation (required)")
	fs.StringVar(&f.pc.MaxTLP, "max-tlp", kizuna.TLPGreen, "the most restrictive TLP the agreement lets the peer receive")
	fs.Var(&f.behind, "behind", "identity id of an organisation behind the peer, whose objects it may originate (repeatable; default --org)")
	fs.Var(&f.clearances, "clearance", "the agreement's ceiling in a scheme, SCHEME:LEVEL (repeatable)")
	fs.Var(&f.communities, "community", "a community the agreement covers (repeatable)")
	fs.Var(&f.maps, "map", "LOCAL=REMOTE collection mapping (repeatable; default default=default)")
	fs.BoolVar(&f.pull, "pull", false, "also pull the mapped collections from the peer (plain peers only)")
	fs.BoolVar(&f.noPush, "no-push", false, "do not push to the peer (pull only)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	for _, req := range []struct{ v, name string }{{f.pc.Name, "name"}, {f.pc.URL, "url"}, {f.pc.Nation, "nation"}, {f.pc.Organization, "org"}} {
		if req.v == "" {
			return &exitError{code: 2, msg: "peer add: --" + req.name + " is required"}
		}
	}
	if !node.IsNationCode(f.pc.Nation) {
		return &exitError{code: 2, msg: fmt.Sprintf("peer add: --nation %q: want an ISO 3166-1 alpha-3 code", f.pc.Nation)}
	}
	if !strings.HasPrefix(f.pc.Organization, "identity--") {
		return &exitError{code: 2, msg: fmt.Sprintf("peer add: --org %q: want an identity id", f.pc.Organization)}
	}
	f.pc.Organizations = append([]string{f.pc.Organization}, f.behind...)
	if len(f.maps) == 0 {
		f.maps = listFlag{node.DefaultAlias + "=" + node.DefaultAlias}
	}
	for _, m := range f.maps {
		local, remote, ok := strings.Cut(m, "=")
		if !ok || local == "" || remote == "" {
			return &exitError{code: 2, msg: fmt.Sprintf("peer add: --map %q: want LOCAL=REMOTE", m)}
		}
		f.pc.Collections = append(f.pc.Collections, federation.CollectionMap{Local: local, Remote: remote, Push: !f.noPush, Pull: f.pull})
	}
	if err := f.pc.Validate(); err != nil {
		return &exitError{code: 2, msg: "peer add: " + errorText(err)}
	}
	n, err := f.data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	token, err := n.AddPeer(ctx, &f.pc, f.clearances, f.communities)
	if err != nil {
		return fmt.Errorf("peer add: %s", errorText(err))
	}
	fmt.Fprintf(e.stderr, "peer %q added; give it this token for pushing to this node (shown only now):\n", f.pc.Name)
	fmt.Fprintln(e.stdout, token)
	return nil
}

func runPeerList(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("peer list", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna peer list [--data DIR] [--store URL]")
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
	peers, err := n.Peers(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tNATION\tURL\tMAX-TLP\tKIND\tCOLLECTIONS")
	for _, pc := range peers.Peers {
		kind := "kizuna"
		if pc.Plain {
			kind = "plain"
		}
		var maps []string
		for _, m := range pc.Collections {
			dir := ""
			if m.Push {
				dir += "push"
			}
			if m.Pull {
				dir += "+pull"
			}
			maps = append(maps, fmt.Sprintf("%s=%s(%s)", m.Local, m.Remote, strings.TrimPrefix(dir, "+")))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", pc.Name, pc.Nation, pc.URL, pc.MaxTLP, kind, strings.Join(maps, ","))
	}
	return tw.Flush()
}
