package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// TestMain lets a test run the real binary as a child process: the test
// binary re-executes itself with KIZUNA_TEST_MAIN=1 and behaves as kizuna.
func TestMain(m *testing.M) {
	if os.Getenv("KIZUNA_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runWithInput runs a kizuna command in-process with stdin and returns its
// output and error.
func runWithInput(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}
	err = run(context.Background(), e, args)
	return out.String(), errb.String(), err
}

// MustRunCLI runs a kizuna command and fails the test if it fails.
func MustRunCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := runWithInput(t, "", args...)
	if err != nil {
		t.Fatalf("kizuna %s: %v\nstderr:\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}
