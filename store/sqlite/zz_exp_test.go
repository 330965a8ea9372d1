package sqlite
import ("testing";"context")
func TestZZIndex(t *testing.T) {
	db, err := Open(context.Background(), "/tmp/kb100k.db"); if err != nil { t.Fatal(err) }
	defer db.Close()
	for _, q := range []string{`CREATE INDEX IF NOT EXISTS zz_type ON objects (collection, type, date_added, label_id)`,
	`CREATE INDEX IF NOT EXISTS zz_date ON objects (collection, date_added, label_id)`} {
	if _, err := db.write.Exec(q); err != nil { t.Fatal(err) }
	}
}
