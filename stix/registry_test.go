package stix

import "testing"

func TestFullRegistryKey(t *testing.T) {
	for in, want := range map[string]string{
		`HKLM\Software\Run`:   `HKEY_LOCAL_MACHINE\Software\Run`,
		`hkcu\Run`:            `HKEY_CURRENT_USER\Run`,
		`HKU`:                 `HKEY_USERS`,
		`HKEY_CLASSES_ROOT\x`: `HKEY_CLASSES_ROOT\x`,
		`HKLMX\a`:             `HKLMX\a`,
		``:                    ``,
	} {
		if got := FullRegistryKey(in); got != want {
			t.Errorf("FullRegistryKey(%q) = %q, want %q", in, got, want)
		}
	}
}
