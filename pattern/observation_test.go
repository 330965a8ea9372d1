package pattern

import (
	"strings"
	"testing"
)

func TestParseObservationsErrors(t *testing.T) {
	cases := []struct {
		data string
		v    Version
		want string
	}{
		{`[{"type":"bundle"}]`, V21, "bundle[0]: objects: missing"},
		{`{"type":"bundle","objects":[{"type":"observed-data"}]}`, V21, "bundle[0].objects[0]: object without a string type and id"},
		{`{"type":"bundle","objects":[{"type":"observed-data","id":"observed-data--1","first_observed":"2024-01-01T00:00:00Z","last_observed":"2024-01-01T00:00:00Z","number_observed":1}]}`, V21, "observed-data--1: object_refs: missing"},
		{`{"type":"bundle","objects":[{"type":"observed-data","id":"observed-data--1","first_observed":"2024-01-01","last_observed":"2024-01-01T00:00:00Z","number_observed":1,"object_refs":[]}]}`, V21, "observed-data--1: first_observed: invalid timestamp"},
		{`{"type":"bundle","objects":[{"type":"observed-data","id":"observed-data--1","first_observed":"2024-01-01T00:00:00Z","last_observed":"2024-01-01T00:00:00Z","number_observed":0,"object_refs":[]}]}`, V21, "observed-data--1: number_observed: must be an integer of at least 1"},
		{`[{"type":"observed-data","id":"observed-data--2","first_observed":"2024-01-01T00:00:00Z","last_observed":"2024-01-01T00:00:00Z"}]`, V20, "observed-data--2: number_observed: missing"},
		{`[1]`, V20, "observed-data[0]: not a JSON object"},
		{`{`, V21, "observations:"},
	}
	for _, c := range cases {
		_, err := ParseObservations([]byte(c.data), c.v)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseObservations(%s) = %v, want %q", c.data, err, c.want)
		}
	}
}

func TestDataErrorsNameTheObject(t *testing.T) {
	data := `{"type":"bundle","objects":[
	 {"type":"observed-data","id":"observed-data--1","first_observed":"2024-01-01T00:00:00Z","last_observed":"2024-01-01T00:00:00Z","number_observed":1,"object_refs":["network-traffic--1"]},
	 {"type":"network-traffic","id":"network-traffic--1","dst_ref":5,"when":"yesterday"}]}`
	obs := MustParseObservations(t, []byte(data), V21)
	for src, want := range map[string]string{
		"[network-traffic:dst_ref.value = '1.2.3.4']":      "network-traffic--1: dst_ref: reference is not a string",
		"[network-traffic:when > t'2024-01-01T00:00:00Z']": `invalid timestamp in JSON: "yesterday"`,
		"[network-traffic:when ISSUBSET '10.0.0.0/8']":     `invalid IP address "yesterday"`,
	} {
		_, err := MustParse(src).Match(obs)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "observed-data--1") {
			t.Errorf("%s: error %v, want %q naming observed-data--1", src, err, want)
		}
	}
}
