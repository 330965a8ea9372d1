package pattern

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// checkReadBundles fails when ReadBundles, with the bundles paired
// together, disagrees with ParseObservations on data: the same observations,
// or an error from both.
func checkReadBundles(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := ParseObservations(data, V21)
	defer func(n int) { batchBytes = n }(batchBytes)
	for _, batch := range []int{batchBytes, 1, 300} {
		batchBytes = batch
		for _, workers := range []int{1, 3} {
			var bundles []*Bundle
			err := ReadBundles(iotest.HalfReader(bytes.NewReader(data)), workers, func(b *Bundle) error {
				bundles = append(bundles, b)
				return nil
			})
			var got []*Observation
			if err == nil {
				got, err = PairBundles(bundles)
			}
			if (err == nil) != (wantErr == nil) {
				t.Fatalf("ReadBundles(%q), batches of %d bytes, %d workers: error %v; ParseObservations: %v", data, batch, workers, err, wantErr)
			}
			if err != nil {
				if err.Error() == "" {
					t.Fatalf("ReadBundles(%q): error %#v without a message", data, err)
				}
				continue
			}
			if len(got) != len(want) || len(got) > 0 && !reflect.DeepEqual(got, want) {
				t.Fatalf("ReadBundles(%q), batches of %d bytes, %d workers: %d observations, want %d", data, batch, workers, len(got), len(want))
			}
		}
	}
}

var bundleCases = []string{
	`[]`, ` {"type":"bundle","objects":[]} `,
	`[{"type":"bundle","objects":[{"type":"observed-data","id":"observed-data--1","first_observed":"2024-01-01T00:00:00Z","last_observed":"2024-01-01T00:00:00Z","number_observed":1,"object_refs":["ipv4-addr--1","ipv4-addr--9"]}]},
	  {"type":"bundle","objects":[{"type":"ipv4-addr","id":"ipv4-addr--1","value":"198.51.100.7"}]},
	  {"type":"bundle","objects":[{"type":"ipv4-addr","id":"ipv4-addr--1","value":"198.51.100.8"},{"type":"observed-data","id":"observed-data--2","first_observed":"2024-01-01T00:00:00Z","last_observed":"2024-01-01T00:00:01Z","number_observed":2,"object_refs":["ipv4-addr--1","ipv4-addr--1"]}]}]`,
	`[{"type":"bundle","objects":[{"type":"observed-data","id":"observed-data--1","first_observed":"2024-01-01T00:00:00Z","last_observed":"2024-01-01T00:00:00Z","number_observed":0,"object_refs":[]}]}]`,
	`[{"type":"bundle"},{"type":"bundle","objects":[}]`, `[{"type":"bundle","objects":[]},]`, `[1]`, `[{}]`, `[`, `x`,
	`[{"type":"bundle","objects":[{"type":"x"}]}]`, `[{"type":"bundle","objects":[5]}]`,
}

func TestReadBundlesMatchesParseObservations(t *testing.T) {
	for _, c := range bundleCases {
		checkReadBundles(t, []byte(c))
	}
}

func TestReadBundlesWorkload(t *testing.T) {
	w := MustLoadWorkload(t)
	checkReadBundles(t, w.all)
}

// TestReadBundlesOrderAndStop checks that fn sees the bundles in the order
// of the list and that its error ends the reading.
func TestReadBundlesOrderAndStop(t *testing.T) {
	defer func(n int) { batchBytes = n }(batchBytes)
	batchBytes = 1
	var list strings.Builder
	list.WriteString("[")
	for i := range 100 {
		if i > 0 {
			list.WriteString(",")
		}
		list.WriteString(`{"type":"bundle","objects":[]}`)
	}
	list.WriteString("]")
	var seen []string
	stop := errors.New("stop")
	err := ReadBundles(strings.NewReader(list.String()), 2, func(b *Bundle) error {
		seen = append(seen, b.where)
		if len(seen) == 60 {
			return stop
		}
		return nil
	})
	if err != stop || len(seen) != 60 {
		t.Fatalf("error %v after %d bundles, want stop after 60", err, len(seen))
	}
	for i, w := range seen {
		if want := "bundle[" + itoa(i) + "]"; w != want {
			t.Fatalf("bundle %d is %s", i, w)
		}
	}
}

// TestPairBundlesLastSCOWins checks that of two SCOs with one id the
// observed-data gets the last, within one bundle and across bundles, and
// that a reference named twice adds its SCO once.
func TestPairBundlesLastSCOWins(t *testing.T) {
	const od = `{"type":"observed-data","id":"observed-data--1","first_observed":"2024-01-01T00:00:00Z","last_observed":"2024-01-01T00:00:00Z","number_observed":1,"object_refs":["ipv4-addr--1","ipv4-addr--1"]}`
	for _, data := range []string{
		`[{"type":"bundle","objects":[` + od + `,{"type":"ipv4-addr","id":"ipv4-addr--1","value":"198.51.100.1"},{"type":"ipv4-addr","id":"ipv4-addr--1","value":"198.51.100.2"}]}]`,
		`[{"type":"bundle","objects":[` + od + `,{"type":"ipv4-addr","id":"ipv4-addr--1","value":"198.51.100.1"}]},{"type":"bundle","objects":[{"type":"ipv4-addr","id":"ipv4-addr--1","value":"198.51.100.2"}]}]`,
	} {
		obs := MustParseObservations(t, []byte(data), V21)
		if len(obs) != 1 || len(obs[0].Objects) != 1 || obs[0].Objects[0].Props["value"] != "198.51.100.2" {
			t.Fatalf("%s: observations %+v, want one with the second address only", data, obs)
		}
	}
}
