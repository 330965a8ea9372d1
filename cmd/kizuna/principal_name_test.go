package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestPrincipalNamesAreUnambiguous: a principal's name is its HTTP Basic
// user name and what principal lists and the audit log show. A name with a
// colon (which ends the Basic user name), a space, a control character or
// a right-to-left override (which makes it display as another) is refused
// with the reason, and no principal or token is made. (Peer names are
// restricted further: letters, digits, '-', '_' and '.'.)
func TestPrincipalNamesAreUnambiguous(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	MustRunCLI(t, "init", "--data", data)
	MustRunCLI(t, "principal", "add", "--data", data, "--name", "atk")
	for name, why := range map[string]string{
		"atk ":                   "U+0020",
		"a:b":                    "colon",
		"x\ty":                   "U+0009",
		"admin\u202enimda":       "U+202E",
		"at\u200bk":              "U+200B",
		strings.Repeat("a", 129): "longer than 128 bytes",
	} {
		stdout, stderr, code := runCLI(t, "principal", "add", "--data", data, "--name", name)
		if code == 0 || stdout != "" || !strings.Contains(stderr, why) {
			t.Errorf("principal add --name %q: exit %d, stdout %q, stderr %q; want refused naming %q", name, code, stdout, stderr, why)
		}
	}
	list := MustRunCLI(t, "principal", "list", "--data", data)
	if n := strings.Count(list, "\n"); n != 3 { // header, admin, atk
		t.Errorf("principal list after the refusals:\n%s", list)
	}
}
