package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/deconflict/dcapi"
)

// TestDeconflictAgreementCLI: agreements are added, listed and removed on
// a node's data directory; a key file that is not a key, a peer that does
// not exist or is of another nation, an agreement id given twice, a bad
// id, rate or bucket are refused, naming what is
// wrong, and leave the agreements as they were; the key is in a 0600 file
// and never printed.
func TestDeconflictAgreementCLI(t *testing.T) {
	nodes := MustMesh(t, false,
		fedSpec{Name: "USA", Nation: "USA", Org: usaPOCOrg, MaxTLP: "amber"},
		fedSpec{Name: "JPN", Nation: "JPN", Org: jpnPOCOrg, MaxTLP: "amber"})
	usa := nodes[0]
	dir := t.TempDir()
	key := filepath.Join(dir, "usa-jpn.key")
	MustRunCLI(t, "deconflict", "agreement", "new-key", key)
	if st, err := os.Stat(key); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	if _, errOut, code := runCLI(t, "deconflict", "agreement", "new-key", key); code == 0 || !strings.Contains(errOut, "exists") {
		t.Errorf("new-key over an existing file: exit %d %s", code, errOut)
	}
	bad := filepath.Join(dir, "bad.key")
	os.WriteFile(bad, []byte("c2hvcnQ=\n"), 0o600)
	add := func(args ...string) (string, string, int) {
		return runCLI(t, append([]string{"deconflict", "agreement", "add", "--data", usa.dir}, args...)...)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--id", "USA-JPN", "--peer", "jpn", "--nation", "JPN"}, "--agreement-key is required"},
		{[]string{"--id", "USA-JPN", "--peer", "jpn", "--nation", "JPN", "--agreement-key", bad}, bad + ": want the base64 encoding of 32 random bytes"},
		{[]string{"--id", "USA-JPN", "--peer", "kor", "--nation", "KOR", "--agreement-key", key}, `--peer "kor": no kizuna peer of that name on this node`},
		{[]string{"--id", "USA-JPN", "--peer", "jpn", "--nation", "AUS", "--agreement-key", key}, `--nation AUS: peer "jpn" is of nation JPN`},
		{[]string{"--id", "USA-JPN", "--peer", "jpn", "--nation", "JPN", "--agreement-key", key, "--bucket", "30m"}, "the time bucket must be from 1 hour to 7 days, not 30m0s"},
		{[]string{"--id", "USA/JPN", "--peer", "jpn", "--nation", "JPN", "--agreement-key", key}, `agreement id "USA/JPN": use letters, digits`},
		{[]string{"--id", "USA-JPN", "--peer", "jpn", "--nation", "JPN", "--agreement-key", key, "--rate", "0"}, "rate 0: want 1 or more"},
	} {
		if _, errOut, code := add(c.args...); code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("add %v: exit %d %s, want %q", c.args, code, errOut, c.want)
		}
	}
	if out := usa.cli(t, "deconflict", "agreement", "list"); strings.Contains(out, "USA-JPN") {
		t.Fatalf("a refused agreement is listed:\n%s", out)
	}
	out, _, code := add("--id", "USA-JPN", "--peer", "jpn", "--nation", "JPN", "--agreement-key", key)
	if code != 0 || !strings.Contains(out, "agreement USA-JPN added: USA–JPN through peer jpn") {
		t.Fatalf("add: exit %d %s", code, out)
	}
	if _, errOut, code := add("--id", "USA-JPN", "--peer", "jpn", "--nation", "JPN", "--agreement-key", key); code == 0 || !strings.Contains(errOut, `an agreement "USA-JPN" exists`) {
		t.Errorf("add twice: exit %d %s", code, errOut)
	}
	list := usa.cli(t, "deconflict", "agreement", "list")
	if !strings.Contains(list, "USA-JPN  JPN     jpn   1      24h0m0s  60") || strings.Contains(list, strings.TrimSpace(string(mustRead(t, key)))) {
		t.Errorf("list:\n%s", list)
	}
	if st, err := os.Stat(filepath.Join(usa.dir, dcapi.AgreementsState)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("%s: %v %v", dcapi.AgreementsState, st, err)
	}
	if _, errOut, code := runCLI(t, "deconflict", "agreement", "remove", "--data", usa.dir, "--id", "NONE"); code == 0 || !strings.Contains(errOut, `no agreement "NONE"`) {
		t.Errorf("remove NONE: exit %d %s", code, errOut)
	}
	usa.cli(t, "deconflict", "agreement", "remove", "--id", "USA-JPN")
	if out := usa.cli(t, "deconflict", "agreement", "list"); strings.Contains(out, "USA-JPN") {
		t.Errorf("removed, still listed:\n%s", out)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
