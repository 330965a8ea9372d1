package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// helpCommands lists every command and subcommand of the CLI.
var helpCommands = [][]string{
	{"serve"}, {"init"}, {"import"}, {"export"},
	{"collection"}, {"collection", "add"}, {"collection", "list"},
	{"principal"}, {"principal", "add"}, {"principal", "list"}, {"principal", "revoke"},
	{"peer"}, {"peer", "add"}, {"peer", "list"}, {"peer", "remove"}, {"peer", "set-token"}, {"peer", "resend"},
	{"node"}, {"node", "key"}, {"node", "classification"},
	{"feed"}, {"feed", "add"}, {"feed", "list"}, {"feed", "remove"},
	{"source"}, {"source", "add"}, {"source", "list"}, {"source", "pull"}, {"source", "remove"},
	{"demo"},
	{"org"}, {"org", "add"},
	{"access"}, {"access", "explain"},
	{"pattern"}, {"pattern", "validate"}, {"pattern", "match"},
	{"match"},
	{"audit"}, {"audit", "verify"},
	{"bench"}, {"bench", "gen"}, {"bench", "ingest"},
	{"version"},
	{"deconflict"}, {"deconflict", "register"}, {"deconflict", "list"}, {"deconflict", "show"}, {"deconflict", "conflicts"}, {"deconflict", "notices"},
	{"exercise"}, {"exercise", "validate"}, {"exercise", "load"}, {"exercise", "start"}, {"exercise", "list"}, {"exercise", "status"},
	{"exercise", "ack"}, {"exercise", "evaluate"}, {"exercise", "report"},
	{"incident"}, {"incident", "add"}, {"incident", "list"}, {"incident", "show"}, {"incident", "answer"}, {"incident", "answers"},
	{"incident", "assess"}, {"incident", "assessments"}, {"incident", "divergence"}, {"incident", "campaigns"}, {"incident", "campaign-assess"},
	{"consult"}, {"consult", "open"}, {"consult", "act"}, {"consult", "list"}, {"consult", "show"},
	{"policy"}, {"policy", "test"},
	{"sector"}, {"sector", "list"}, {"sector", "show"}, {"sector", "crosswalk"}, {"sector", "diff"}, {"sector", "profile"},
	{"tearline"}, {"tearline", "draft"}, {"tearline", "release"},
	{"stream"},
}

// runKizuna runs the real command (this test binary as kizuna) in dir and
// returns its exit status and output.
func runKizuna(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "KIZUNA_TEST_MAIN=1")
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var xe *exec.ExitError
	if errors.As(err, &xe) {
		return xe.ExitCode(), out.String(), errb.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// TestHelpIsASuccess asks every command and subcommand for help (-h,
// --help, and 'kizuna help COMMAND'): each prints its usage on stdout,
// nothing on stderr, touches nothing and exits 0. A bad flag still prints
// the usage on stderr and exits 2.
func TestHelpIsASuccess(t *testing.T) {
	dir := t.TempDir()
	for _, cmd := range helpCommands {
		forms := [][]string{append(slices.Clone(cmd), "-h"), append(slices.Clone(cmd), "--help")}
		if len(cmd) == 1 {
			forms = append(forms, []string{"help", cmd[0]})
		}
		for _, args := range forms {
			code, stdout, stderr := runKizuna(t, dir, args...)
			if code != 0 || !strings.Contains(stdout, "Usage") || stderr != "" {
				t.Errorf("kizuna %s: exit %d\nstdout: %q\nstderr: %q", strings.Join(args, " "), code, stdout, stderr)
			}
		}
		args := append(slices.Clone(cmd), "--no-such-flag")
		if code, _, stderr := runKizuna(t, dir, args...); code != 2 || stderr == "" {
			t.Errorf("kizuna %s: exit %d, stderr %q; want 2 and a message", strings.Join(args, " "), code, stderr)
		}
	}
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		if code, stdout, _ := runKizuna(t, dir, args...); code != 0 || !strings.Contains(stdout, "Usage") {
			t.Errorf("kizuna %s: exit %d, stdout %q", strings.Join(args, " "), code, stdout)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("asking for help created %v", entries)
	}
}

// TestHelpCommandsListsEveryCommand keeps helpCommands complete: every
// command of the main usage and every subcommand a group's usage names is
// in it.
func TestHelpCommandsListsEveryCommand(t *testing.T) {
	have := map[string]bool{}
	for _, c := range helpCommands {
		have[strings.Join(c, " ")] = true
	}
	commands := regexp.MustCompile(`(?m)^  kizuna (\S+)(?:\s+([a-z-]+(?:\|[a-z-]+)*)(?:\s\s|$))?`)
	for _, m := range commands.FindAllStringSubmatch(usage, -1) {
		if !have[m[1]] {
			t.Errorf("command %q of the usage is not in helpCommands", m[1])
		}
		if m[2] == "" {
			continue
		}
		for _, sub := range strings.Split(m[2], "|") {
			if !have[m[1]+" "+sub] {
				t.Errorf("subcommand %q of the usage is not in helpCommands", m[1]+" "+sub)
			}
		}
	}
}
