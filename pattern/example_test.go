package pattern_test

import (
	"fmt"
	"time"

	"github.com/kizuna-dev/kizuna/pattern"
)

func ExampleIndex() {
	ix := pattern.NewIndex()
	for id, src := range map[string]string{
		"indicator--a": "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
		"indicator--b": "[domain-name:value = 'evil.example']",
		"indicator--c": "[domain-name:value = 'evil.example'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.7']",
	} {
		p, err := pattern.Parse(src)
		if err != nil {
			panic(err)
		}
		ix.Add(id, p)
	}
	at := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	first, _ := pattern.ObservationFromValues([]string{"evil.example"}, at)
	second, _ := pattern.ObservationFromValues([]string{"198.51.100.7"}, at.Add(time.Minute))
	fmt.Println(ix.MatchObservation(second))
	fmt.Println(ix.MatchSet([]*pattern.Observation{first, second}))
	// Output:
	// [indicator--a]
	// [indicator--a indicator--b indicator--c]
}

func ExamplePattern_Match() {
	p := pattern.MustParse("[network-traffic:dst_ref.value = '198.51.100.7' AND network-traffic:dst_port = 443]")
	obs, err := pattern.ParseObservations([]byte(`{"type":"bundle","id":"bundle--1","objects":[
	 {"type":"observed-data","id":"observed-data--1","first_observed":"2024-03-01T00:00:00Z","last_observed":"2024-03-01T00:00:00Z","number_observed":1,"object_refs":["network-traffic--1","ipv4-addr--1"]},
	 {"type":"network-traffic","id":"network-traffic--1","dst_ref":"ipv4-addr--1","dst_port":443,"protocols":["tcp"]},
	 {"type":"ipv4-addr","id":"ipv4-addr--1","value":"198.51.100.7"}]}`), pattern.V21)
	if err != nil {
		panic(err)
	}
	r, err := p.Match(obs)
	fmt.Println(r.Matched, r.ObservedData, err)
	// Output: true [observed-data--1] <nil>
}

func ExampleValidate() {
	_, err := pattern.Validate("[file:hashes.'SHA-256' = 'f00']", pattern.V21)
	fmt.Println(err)
	// Output: offset 1: 'f00' is not a valid SHA-256 hash
}
