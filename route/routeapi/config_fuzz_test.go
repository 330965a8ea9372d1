package routeapi_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/route/routeapi"
	"github.com/kizuna-dev/kizuna/sector"
)

// FuzzLoadConfig: an operator's sectors.json of any content loads, or is
// refused with an error that names the file by its path (or a shipped
// file the operator's contradicts); never a panic.
func FuzzLoadConfig(f *testing.F) {
	def, err := sector.Defaults.ReadFile("defaults/sectors.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(def)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"nations": [{"nation": "JPN", "prefix": "jp", "sectors": [{"id": "jp.x: y"}]}]}`))
	f.Add([]byte("not json\nsectors.json: $.x: y"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		cdir := filepath.Join(dir, routeapi.ConfigDir)
		if err := os.Mkdir(cdir, 0o700); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(cdir, sector.SectorsFile)
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := routeapi.LoadConfig(dir); err != nil && !strings.Contains(err.Error(), file+": ") && !strings.Contains(err.Error(), "shipped ") {
			t.Fatalf("the error does not name %s: %v", file, err)
		}
	})
}
