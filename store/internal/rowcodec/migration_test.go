package rowcodec

import (
	"testing"
	"testing/fstest"

	"github.com/kizuna-dev/kizuna"
)

func TestLoadMigrations(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0010_later.sql": {Data: []byte("SELECT 10")},
		"m/0002_next.sql":  {Data: []byte("SELECT 2")},
		"m/0001_init.sql":  {Data: []byte("SELECT 1")},
		"m/README":         {Data: []byte("not a migration")},
	}
	ms, err := LoadMigrations("test", fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	want := []Migration{{"0001_init.sql", 1, "SELECT 1"}, {"0002_next.sql", 2, "SELECT 2"}, {"0010_later.sql", 10, "SELECT 10"}}
	if len(ms) != len(want) {
		t.Fatalf("LoadMigrations = %+v, want %+v", ms, want)
	}
	for i := range want {
		if ms[i] != want[i] {
			t.Errorf("migration %d = %+v, want %+v", i, ms[i], want[i])
		}
	}
	for name, bad := range map[string]fstest.MapFS{
		"does not start with a number": {"m/init.sql": {Data: []byte("SELECT 1")}},
		"share number 1":               {"m/0001_a.sql": {Data: []byte("SELECT 1")}, "m/01_b.sql": {Data: []byte("SELECT 1")}},
	} {
		_, err := LoadMigrations("test", bad, "m")
		MustCode(t, err, kizuna.EINTERNAL, name)
	}
}

func TestCheckNotNewer(t *testing.T) {
	ms := []Migration{{Name: "0001_init.sql", Number: 1}, {Name: "0002_next.sql", Number: 2}}
	if err := CheckNotNewer(ms, []string{"0001_init.sql"}); err != nil {
		t.Errorf("a database behind the binary is refused: %v", err)
	}
	if err := CheckNotNewer(ms, nil); err != nil {
		t.Errorf("a new database is refused: %v", err)
	}
	err := CheckNotNewer(ms, []string{"0001_init.sql", "0002_next.sql", "0003_a.sql", "0007_b.sql"})
	MustCode(t, err, kizuna.ESCHEMA, "schema 7 > 2")
}
