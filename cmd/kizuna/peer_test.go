package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/federation"
)

func TestPeerCommands(t *testing.T) {
	dir := t.TempDir()
	usa, jpn := filepath.Join(dir, "usa"), filepath.Join(dir, "jpn")
	MustRunCLI(t, "init", "--data", usa, "--nation", "USA")
	MustRunCLI(t, "init", "--data", jpn, "--nation", "JPN")
	key := map[string]string{}
	for _, line := range strings.Split(MustRunCLI(t, "node", "key", "--data", jpn), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			key[k] = v
		}
	}
	for _, k := range []string{"node", "nation", "organization", "public-key", "key-id", "cert-sha256"} {
		if key[k] == "" {
			t.Fatalf("node key printed no %s", k)
		}
	}
	base := []string{"peer", "add", "--data", usa, "--name", "jpn", "--url", "https://jp.example:8443/taxii2/api/",
		"--node", key["node"], "--public-key", key["public-key"], "--cert-sha256", key["cert-sha256"],
		"--nation", "JPN", "--org", key["organization"], "--clearance", "JPN:極秘", "--max-tlp", "amber"}
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"plain http to a remote host": {replace(base, "--url", "http://jp.example/taxii2/api/"), "loopback"},
		"no pin":                      {replace(base, "--cert-sha256", ""), "fingerprint"},
		"bad key":                     {replace(base, "--public-key", "ed25519:xx"), "public key"},
		"bad TLP":                     {replace(base, "--max-tlp", "white"), "max_tlp"},
		"bad clearance":               {replace(base, "--clearance", "JPN:nonsense"), "clearance"},
		"unknown collection":          {append(base, "--map", "nope=default"), "local collection"},
		"pull from a kizuna peer":     {append(base, "--pull"), "plain"},
	} {
		_, errOut, err := runWithInput(t, "", c.args...)
		if err == nil || !strings.Contains(errOut+err.Error(), c.want) {
			t.Errorf("%s: err=%v stderr=%q, want a message with %q", name, err, errOut, c.want)
		}
	}
	token := strings.TrimSpace(MustRunCLI(t, base...))
	if !strings.HasPrefix(token, "kzn_") {
		t.Fatalf("peer add printed %q, want a token", token)
	}
	if _, _, err := runWithInput(t, "", base...); err == nil {
		t.Fatal("the same peer was added twice")
	}
	list := MustRunCLI(t, "peer", "list", "--data", usa)
	if !strings.Contains(list, "jpn") || !strings.Contains(list, "default=default(push)") {
		t.Fatalf("peer list:\n%s", list)
	}
	MustRunCLI(t, "peer", "set-token", "--data", usa, "--name", "jpn", "--token", "kzn_remote")
	peers, err := federation.LoadPeers(context.Background(), federation.DirState(usa))
	if err != nil || peers.Find("jpn").Token != "kzn_remote" || peers.Find("jpn").Organizations[0] != key["organization"] {
		t.Fatalf("peers file after set-token: %v %+v", err, peers.Find("jpn"))
	}
	principals := MustRunCLI(t, "principal", "list", "--data", usa)
	if !strings.Contains(principals, "jpn") || !strings.Contains(principals, "peer") || !strings.Contains(principals, "JPN:gokuhi") {
		t.Fatalf("the peer's principal is not the agreement's ceiling:\n%s", principals)
	}
	MustRunCLI(t, "peer", "resend", "--data", usa, "--name", "jpn")
	MustRunCLI(t, "peer", "remove", "--data", usa, "--name", "jpn")
	if peers, _ := federation.LoadPeers(context.Background(), federation.DirState(usa)); len(peers.Peers) != 0 {
		t.Fatal("peer remove left the peer")
	}
	if !strings.Contains(MustRunCLI(t, "principal", "list", "--data", usa), "revoked") {
		t.Fatal("peer remove did not revoke the principal")
	}
}

// replace returns args with the value after flag replaced.
func replace(args []string, flag, value string) []string {
	out := append([]string(nil), args...)
	for i := range out {
		if out[i] == flag && i+1 < len(out) {
			out[i+1] = value
		}
	}
	return out
}
