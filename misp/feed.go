package misp

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna/internal/uuidv5"
)

// ManifestEntry is what a MISP feed's manifest.json says of one event.
type ManifestEntry struct {
	Info      string `json:"info"`
	Date      string `json:"date"`
	Timestamp Number `json:"timestamp"`
	Orgc      Org    `json:"Orgc"`
	Tag       []Tag  `json:"Tag"`
}

// ReadFeed reads a MISP feed directory, as MISP's feed generator writes
// it: manifest.json maps event UUIDs to their summaries, and each event is
// in <uuid>.json beside it. It calls fn with each event, in the order of
// their UUIDs, and stops at the first error fn returns. A manifest entry
// that is not a UUID, or whose file is missing or is not that event, is an
// error naming the file and the entry; files the manifest does not list
// are not read.
func ReadFeed(fsys fs.FS, fn func(file string, ev *Event) error) error {
	f, err := fsys.Open("manifest.json")
	if err != nil {
		return fmt.Errorf("MISP feed: %v", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxEventBytes+1))
	f.Close()
	if err != nil {
		return fmt.Errorf("manifest.json: %v", err)
	}
	var manifest map[string]ManifestEntry
	if err := json.Unmarshal(data, &manifest); err != nil {
		return jsonError("manifest.json", data, err)
	}
	uuids := make([]string, 0, len(manifest))
	for k := range manifest {
		uuids = append(uuids, k)
	}
	slices.Sort(uuids)
	for _, u := range uuids {
		// The name becomes a path: only a UUID may, never "../x".
		if _, err := uuidv5.Parse(u); err != nil {
			return fmt.Errorf("manifest.json: entry %q: not an event UUID", u)
		}
		file := strings.ToLower(u) + ".json"
		ef, err := fsys.Open(file)
		if err != nil {
			return fmt.Errorf("manifest.json: entry %q: %v", u, err)
		}
		evs, err := ReadEvents(file, ef)
		ef.Close()
		if err != nil {
			return err
		}
		if len(evs) != 1 || !strings.EqualFold(evs[0].UUID, u) {
			return fmt.Errorf("%s: holds %d events, not the one event %s that manifest.json lists", file, len(evs), u)
		}
		if err := fn(file, evs[0]); err != nil {
			return err
		}
	}
	return nil
}
