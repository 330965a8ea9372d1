package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict/dcapi"
	"github.com/kizuna-dev/kizuna/deconflict/dcstix"
	"github.com/kizuna-dev/kizuna/deconflict/deconflicttest"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/web"
)

// deconflictMount mounts the deconfliction registry on the shipped rules,
// in a collection readers read, and keeps its server in *served.
func deconflictMount(t *testing.T, served **dcapi.Server) node.Mount {
	return func(n *node.Node, r *node.Router) error {
		c := &kizuna.Collection{Alias: dcapi.CollectionAlias, Title: "Deconfliction",
			CanRead:  kizuna.AccessRule{Roles: []string{kizuna.RoleReader, kizuna.RolePublisher, kizuna.RoleAdmin}},
			CanWrite: kizuna.AccessRule{Roles: []string{kizuna.RolePublisher, kizuna.RoleAdmin}}}
		if err := n.CreateCollection(context.Background(), c); err != nil {
			return err
		}
		s := &dcapi.Server{Rules: deconflicttest.MustRules(t), Objects: n.Guard, Collections: n.Guard, Store: n.Store, Ingester: n.Ingest,
			Notices: operatorIngester{n.Ingest}, Operator: n.Identity.Organization, Collection: c.ID, WriteError: r.WriteError, Logger: n.Logger}
		s.Register(r.Mux, r.Protect)
		*served = s
		return nil
	}
}

// TestDeconflictionPage: a US takedown marked SECRET//REL TO USA, JPN and
// a Japanese CAT1 monitoring of the same /24, open to all, conflict; each
// owner sees both actions and the notice to its own organisation with the
// rule that fired; Australia sees the open action only, no notice and no
// trace of the SECRET one, its banner included.
func TestDeconflictionPage(t *testing.T) {
	var dc *dcapi.Server
	d := startDefenseWorkspaceWith(t, node.ServeConfig{Mounts: []node.Mount{deconflictMount(t, &dc)}},
		web.Options{Deconfliction: func() *dcapi.Server { return dc }})
	t0 := deconflicttest.T0
	register := func(who, name, nation, org, kind string, cat int, marking string) string {
		a := &kizuna.DefensiveAction{ID: dcstix.TypeAction + "--" + kizuna.NewUUID(), Created: t0, Modified: t0, CreatedByRef: org,
			Name: name, Kind: kind, Category: cat, Targets: []kizuna.ActionTarget{{Kind: kizuna.TargetIP, Value: "203.0.113.0/24"}},
			Start: t0, End: t0.Add(72 * time.Hour), Nation: nation, Organization: org, State: kizuna.ActionApproved, MarkingRefs: []string{marking}}
		raw, err := dcstix.EncodeAction(a)
		if err != nil {
			t.Fatal(err)
		}
		d.api(t, who, "POST", "/api/v1/defensive-actions", json.RawMessage(raw), 201, nil)
		return a.ID
	}
	takedown := register("usa-poc", "TAKEDOWN-OF-STAGING", "USA", usaOrg, kizuna.ActionTakedown, 4, d.secret)
	monitor := register("jpn-poc", "Monitoring of the staging range", "JPN", jpnOrg, kizuna.ActionMonitor, 1, tlpGreen)

	for _, c := range []struct{ who, org string }{{"usa-poc", usaOrg}, {"jpn-poc", jpnOrg}} {
		p := d.signedIn(t, c.who).get("/deconfliction")
		actions, notices, _ := strings.Cut(p.body, `id="notices"`)
		if got := rows(actions); len(got) != 2 {
			t.Errorf("%s's actions: %v", c.who, got)
		}
		if got := rows(notices); len(got) != 1 || !strings.Contains(notices, "disruption-against-passive-collection") {
			t.Errorf("%s's notices: %v %.2000s", c.who, got, notices)
		}
		if _, text := banners(t, p.body); !strings.Contains(text, "SECRET") {
			t.Errorf("%s's banner %q", c.who, text)
		}
	}
	aus := d.signedIn(t, "aus-poc").get("/deconfliction")
	if got := rows(aus.body); len(got) != 1 || got[0] != monitor {
		t.Errorf("AUS's rows: %v", got)
	}
	for _, leak := range []string{takedown, "TAKEDOWN-OF-STAGING", "SECRET", "REL TO", "disruption-against", `id="notices"`} {
		if strings.Contains(aus.body, leak) {
			t.Errorf("AUS's deconfliction page shows %q", leak)
		}
	}
	if !strings.Contains(aus.body, `id="no-notices"`) {
		t.Errorf("AUS's page lacks the empty notice list")
	}

	// In Japanese, with the entry in the navigation.
	jp := d.signedIn(t, "jpn-poc")
	jp.get("/lang/ja?next=/deconfliction")
	if p := jp.get("/deconfliction"); !strings.Contains(p.body, "防御措置") || !strings.Contains(p.body, "貴組織宛てのデコンフリクション通知") ||
		!strings.Contains(p.body, `href="/deconfliction"`) {
		t.Errorf("the Japanese deconfliction page: %.500s", p.body)
	}
}
