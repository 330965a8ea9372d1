package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
)

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

const principalUsage = `Usage: kizuna principal add|list|revoke [flags]

  add     add a principal and print its token
  list    list the principals
  revoke  revoke a principal

Run 'kizuna principal SUBCOMMAND -h' for the flags of a subcommand.`

func runPrincipal(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, principalUsage); handled {
		return err
	}
	switch args[0] {
	case "add":
		return runPrincipalAdd(ctx, e, args[1:])
	case "list":
		return runPrincipalList(ctx, e, args[1:])
	case "revoke":
		return runPrincipalRevoke(ctx, e, args[1:])
	default:
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna principal: unknown subcommand %q (want add, list or revoke)", args[0])}
	}
}

func runPrincipalAdd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("principal add", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna principal add --name NAME [flags]\n\nPrints the new principal's token, alone, on stdout.")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	name := fs.String("name", "", "unique name, also the HTTP Basic user name (required; no spaces, colons, control or formatting characters)")
	org := fs.String("org", "", "organisation: its identity id or the name given to 'kizuna org add' (default: the node's operator)")
	nation := fs.String("nation", "", "ISO 3166-1 alpha-3 nation (default: the node's)")
	var clearances, communities, roles listFlag
	fs.Var(&clearances, "clearance", "a clearance SCHEME:LEVEL, e.g. USA:SECRET or JPN:極秘 (repeatable)")
	fs.Var(&communities, "community", "a need-to-know community (repeatable)")
	fs.Var(&roles, "role", "reader, publisher, admin, poc or peer (repeatable; default reader)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *name == "" {
		return &exitError{code: 2, msg: "principal add: --name is required"}
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()

	p := &kizuna.Principal{
		ID: "principal--" + kizuna.NewUUID(), Name: *name, Nation: *nation,
		Communities: communities, Roles: roles, CreatedAt: time.Now().UTC(),
	}
	if p.Nation == "" {
		p.Nation = n.Identity.Nation
	}
	if !node.IsNationCode(p.Nation) {
		return &exitError{code: 2, msg: fmt.Sprintf("principal add: --nation %q: want an ISO 3166-1 alpha-3 code such as USA or JPN", p.Nation)}
	}
	if len(p.Roles) == 0 {
		p.Roles = []string{kizuna.RoleReader}
	}
	for _, r := range p.Roles {
		switch r {
		case kizuna.RoleReader, kizuna.RolePublisher, kizuna.RoleAdmin, kizuna.RolePOC, kizuna.RolePeer:
		default:
			return &exitError{code: 2, msg: fmt.Sprintf("principal add: --role %q: want reader, publisher, admin, poc or peer", r)}
		}
	}
	for _, c := range clearances {
		cl, err := n.ParseClearance(c)
		if err != nil {
			return &exitError{code: 2, msg: fmt.Sprintf("principal add: --clearance %q: %v", c, err)}
		}
		p.Clearances = append(p.Clearances, cl)
	}
	if p.Organization, err = n.ResolveOrganization(ctx, *org); err != nil {
		return &exitError{code: 2, msg: fmt.Sprintf("principal add: --org %q: %v", *org, err)}
	}
	token := kizuna.NewToken()
	if err := n.Store.CreatePrincipal(ctx, p, kizuna.HashToken(token)); err != nil {
		return fmt.Errorf("principal add: %s", errorText(err))
	}
	n.Audit(ctx, &kizuna.AuditEvent{Action: "principal.create", Object: p.Name,
		Reason: fmt.Sprintf("nation=%s org=%s roles=%s", p.Nation, p.Organization, strings.Join(p.Roles, ","))})
	// The token alone goes to stdout, so that scripts can capture it.
	fmt.Fprintln(e.stdout, token)
	return nil
}

func runPrincipalList(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("principal list", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna principal list [--data DIR]")
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
	ps, err := n.Store.FindPrincipals(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tNATION\tROLES\tCLEARANCES\tCOMMUNITIES\tSTATE")
	for _, p := range ps {
		var cls []string
		for _, c := range p.Clearances {
			cls = append(cls, c.Scheme+":"+c.Level)
		}
		state := "active"
		if p.RevokedAt != nil {
			state = "revoked " + p.RevokedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Nation, strings.Join(p.Roles, ","),
			strings.Join(cls, ","), strings.Join(p.Communities, ","), state)
	}
	return tw.Flush()
}

func runPrincipalRevoke(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("principal revoke", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna principal revoke --name NAME [--data DIR]")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	name := fs.String("name", "", "the principal to revoke (required)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *name == "" && fs.NArg() == 1 {
		*name = fs.Arg(0)
	}
	if *name == "" {
		return &exitError{code: 2, msg: "principal revoke: --name is required"}
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	if err := n.Store.RevokePrincipal(ctx, *name); err != nil {
		return fmt.Errorf("principal revoke: %s", errorText(err))
	}
	n.Audit(ctx, &kizuna.AuditEvent{Action: "principal.revoke", Object: *name})
	fmt.Fprintf(e.stdout, "revoked %s\n", *name)
	return nil
}
