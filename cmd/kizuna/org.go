package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
)

func runOrg(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, "Usage: kizuna org add [flags]\n\nRun 'kizuna org add -h' for its flags."); handled {
		return err
	}
	if args[0] != "add" {
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna org: unknown subcommand %q (want add)", args[0])}
	}
	fs := flag.NewFlagSet("org add", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna org add --name NAME --nation NNN [--sector S]... [--national-sector ID]... [--data DIR]")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	name := fs.String("name", "", "the organisation's name (required)")
	nation := fs.String("nation", "", "ISO 3166-1 alpha-3 nation (required)")
	var sectors listFlag
	fs.Var(&sectors, "sector", "an industry sector (STIX industry-sector-ov, e.g. energy, defense; repeatable)")
	var national listFlag
	fs.Var(&national, "national-sector", "a sector of the nation's vocabulary (kizuna sector list), e.g. jp.ports: routes notices to the organisation (repeatable)")
	if err := parseFlags(e, fs, args[1:]); err != nil {
		return err
	}
	if *name == "" || !node.IsNationCode(*nation) {
		return &exitError{code: 2, msg: "org add: --name and --nation (an ISO 3166-1 alpha-3 code) are required"}
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	if id, err := n.ResolveOrganization(ctx, *name); err == nil {
		return fmt.Errorf("org add: an organisation named %q exists already: %s", *name, id)
	}
	id := "identity--" + kizuna.NewUUID()
	raw, err := node.OrganizationObject(id, *name, *nation, sectors)
	if err != nil {
		return err
	}
	if len(national) > 0 {
		if raw, err = withNationalSectors(data.dir, *nation, raw, national); err != nil {
			return fmt.Errorf("org add: %v", err)
		}
	}
	if err := n.ImportRaw(ctx, node.DirectoryAlias, []json.RawMessage{raw}); err != nil {
		return fmt.Errorf("org add: %v", err)
	}
	n.Audit(ctx, &kizuna.AuditEvent{Action: "org.create", Object: id, Reason: *name})
	fmt.Fprintln(e.stdout, id)
	return nil
}
