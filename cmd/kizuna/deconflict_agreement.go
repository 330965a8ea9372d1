package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict/dcapi"
)

const agreementUsage = `Usage: kizuna deconflict agreement add|list|remove|new-key [flags]

Deconfliction agreements of the node (on its data directory or store):

  add       add an agreement with an ally's node, reached through a peer
  list      list the agreements (never their keys)
  remove    remove an agreement
  new-key   write a new random agreement key to a file (0600), to share
            with the ally out of band

A running node reads the agreements when it next exchanges.`

func runDeconflictAgreement(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, agreementUsage); handled {
		return err
	}
	switch args[0] {
	case "add":
		return runAgreementAdd(ctx, e, args[1:])
	case "list":
		return runAgreementList(ctx, e, args[1:])
	case "remove":
		return runAgreementRemove(ctx, e, args[1:])
	case "new-key":
		return runAgreementNewKey(e, args[1:])
	}
	return &exitError{code: 2, msg: fmt.Sprintf("kizuna deconflict agreement: unknown subcommand %q (want add, list, remove or new-key)", args[0])}
}

// readAgreementKey reads an agreement key file: the base64 of 32 bytes.
func readAgreementKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("%s: want the base64 encoding of 32 random bytes ('kizuna deconflict agreement new-key' writes one)", path)
	}
	return key, nil
}

func runAgreementNewKey(e *env, args []string) error {
	fs := flag.NewFlagSet("deconflict agreement new-key", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna deconflict agreement new-key FILE")
	fs.SetOutput(e.stderr)
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &exitError{code: 2, msg: "deconflict agreement new-key: one FILE expected"}
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	f, err := os.OpenFile(fs.Arg(0), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("deconflict agreement new-key: %v", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("deconflict agreement new-key: %v", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("deconflict agreement new-key: %v", err)
	}
	fmt.Fprintf(e.stderr, "wrote a new agreement key to %s; give the ally's operator a copy over a secure channel\n", fs.Arg(0))
	return nil
}

func runAgreementAdd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("deconflict agreement add", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna deconflict agreement add --id ID --peer NAME --nation NNN --key-file FILE [flags]")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	var c dcapi.AgreementConfig
	var agreementKey string
	var bucket time.Duration
	fs.StringVar(&c.ID, "id", "", "the agreement's id, the same on both nodes (required)")
	fs.StringVar(&c.Peer, "peer", "", "the peer through which the ally's node is reached (required)")
	fs.StringVar(&c.Nation, "nation", "", "the ally's nation, ISO 3166-1 alpha-3: the peer's (required)")
	fs.StringVar(&agreementKey, "agreement-key", "", "the file holding the agreement key, the same on both nodes (required)")
	fs.IntVar(&c.Epoch, "epoch", 1, "the key's epoch, raised with each new key")
	fs.DurationVar(&bucket, "bucket", 24*time.Hour, "the time granularity, 1h to 168h, the same on both nodes")
	fs.IntVar(&c.Rate, "rate", dcapi.DefaultRate, "queries a minute the agreement admits in each direction")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	for _, req := range []struct{ v, name string }{{c.ID, "id"}, {c.Peer, "peer"}, {c.Nation, "nation"}, {agreementKey, "agreement-key"}} {
		if req.v == "" {
			return &exitError{code: 2, msg: "deconflict agreement add: --" + req.name + " is required"}
		}
	}
	key, err := readAgreementKey(agreementKey)
	if err != nil {
		return &exitError{code: 2, msg: "deconflict agreement add: --agreement-key " + err.Error()}
	}
	c.Key, c.Bucket = key, bucket.String()
	rules, err := loadDeconflictRules(data.dir)
	if err != nil {
		return fmt.Errorf("deconflict agreement add: %s", kizuna.ErrorMessage(err))
	}
	c.Rules = rules.Digest
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	peers, err := n.Peers(ctx)
	if err != nil {
		return err
	}
	pc := peers.Find(c.Peer)
	switch {
	case pc == nil || pc.Plain:
		return fmt.Errorf("deconflict agreement add: --peer %q: no kizuna peer of that name on this node ('kizuna peer list')", c.Peer)
	case pc.Nation != c.Nation:
		return fmt.Errorf("deconflict agreement add: --nation %s: peer %q is of nation %s", c.Nation, c.Peer, pc.Nation)
	}
	self := n.Identity.Nation
	err = dcapi.UpdateAgreements(ctx, n.State, self, func(a *dcapi.Agreements) error {
		if a.Find(c.ID) != nil {
			return kizuna.Errorf(kizuna.ECONFLICT, "an agreement %q exists; remove it first to replace its key", c.ID)
		}
		a.Agreements = append(a.Agreements, &c)
		return nil
	})
	if err != nil {
		return fmt.Errorf("deconflict agreement add: %s", kizuna.ErrorMessage(err))
	}
	n.Audit(ctx, &kizuna.AuditEvent{Action: "deconflict.agreement.create", Object: c.ID,
		Reason: fmt.Sprintf("peer=%s nation=%s epoch=%d bucket=%s rate=%d", c.Peer, c.Nation, c.Epoch, c.Bucket, c.Rate)})
	fmt.Fprintf(e.stdout, "agreement %s added: %s–%s through peer %s, rules %.12s…\n", c.ID, self, c.Nation, c.Peer, c.Rules)
	return nil
}

func runAgreementList(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("deconflict agreement list", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna deconflict agreement list [--data DIR] [--store URL]")
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
	ags, err := dcapi.LoadAgreements(ctx, n.State, n.Identity.Nation)
	if err != nil {
		return err
	}
	list := slices.Clone(ags.Agreements)
	slices.SortFunc(list, func(a, b *dcapi.AgreementConfig) int { return strings.Compare(a.ID, b.ID) })
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNATION\tPEER\tEPOCH\tBUCKET\tRATE/MIN\tRULES")
	for _, c := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%.12s…\n", c.ID, c.Nation, c.Peer, c.Epoch, c.Bucket, c.Rate, c.Rules)
	}
	return tw.Flush()
}

func runAgreementRemove(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("deconflict agreement remove", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna deconflict agreement remove --id ID [--data DIR] [--store URL]")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	id := fs.String("id", "", "the agreement's id (required)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *id == "" {
		return &exitError{code: 2, msg: "deconflict agreement remove: --id is required"}
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	err = dcapi.UpdateAgreements(ctx, n.State, n.Identity.Nation, func(a *dcapi.Agreements) error {
		i := slices.IndexFunc(a.Agreements, func(c *dcapi.AgreementConfig) bool { return c.ID == *id })
		if i < 0 {
			return kizuna.Errorf(kizuna.ENOTFOUND, "no agreement %q", *id)
		}
		a.Agreements = slices.Delete(a.Agreements, i, i+1)
		return nil
	})
	if err != nil {
		return fmt.Errorf("deconflict agreement remove: %s", kizuna.ErrorMessage(err))
	}
	n.Audit(ctx, &kizuna.AuditEvent{Action: "deconflict.agreement.remove", Object: *id})
	fmt.Fprintf(e.stdout, "agreement %s removed\n", *id)
	return nil
}
