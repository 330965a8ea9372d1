package misp

import (
	"encoding/json"
	"strings"
	"testing"
)

// An observation of a grouped object whose attribute gives several
// observables (ip-src|port: an address and the traffic from it) refers to
// its own observables: the traffic's src_ref is the address, not itself.
func TestObservationOfGroupedObjectRefs(t *testing.T) {
	c := testConverter(t)
	ev := event(t, `{"Event":{"uuid":"5e000000-0000-4000-8000-000000000005","info":"t","date":"2023-11-01","distribution":"0","Object":[
	 {"uuid":"5f000000-0000-4000-8000-0000000000f1","name":"ip-port","Attribute":[
	  {"uuid":"5f000000-0000-4000-8000-0000000000f2","type":"domain","object_relation":"domain","value":"a.example","to_ids":false},
	  {"uuid":"5f000000-0000-4000-8000-0000000000f3","type":"ip-src|port","object_relation":"ip-src","value":"10.30.0.1|53","to_ids":false}]}]}}`)
	objs, err := c.Convert("t.json", ev)
	if err != nil {
		t.Fatal(err)
	}
	var ip, traffic string
	var trafficRef string
	for _, raw := range objs {
		var o map[string]any
		json.Unmarshal(raw, &o)
		switch o["type"] {
		case "ipv4-addr":
			ip = o["id"].(string)
		case "network-traffic":
			traffic = o["id"].(string)
			trafficRef, _ = o["src_ref"].(string)
		}
	}
	if ip == "" || traffic == "" || trafficRef != ip {
		t.Errorf("address %s, traffic %s from %s: %v", ip, traffic, trafficRef, strings.Join(func() []string {
			var s []string
			for _, p := range c.Report.Problems {
				s = append(s, p.String())
			}
			return s
		}(), "; "))
	}
}

// Two attributes with one UUID (a malformed export) give one indicator, the
// first, and a problem: never two objects with one id in one import.
func TestDuplicateUUIDs(t *testing.T) {
	c := testConverter(t)
	ev := event(t, `{"Event":{"uuid":"5e000000-0000-4000-8000-000000000006","info":"t","date":"2023-11-01","distribution":"0","Attribute":[
	  {"uuid":"5F000000-0000-4000-8000-000000000001","type":"domain","value":"first.example","to_ids":true},
	  {"uuid":"5f000000-0000-4000-8000-000000000001","type":"domain","value":"second.example","to_ids":true}]}}`)
	objs, err := c.Convert("t.json", ev)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, raw := range objs {
		var o struct{ ID string }
		json.Unmarshal(raw, &o)
		if ids[o.ID] {
			t.Errorf("%s twice", o.ID)
		}
		ids[o.ID] = true
		if strings.Contains(string(raw), "second.example") {
			t.Errorf("the second attribute replaced the first: %s", raw)
		}
	}
	if c.Report.ProblemCount != 1 || !strings.Contains(c.Report.Problems[0].Reason, "a second, different object with this id") {
		t.Errorf("problems %v", c.Report.Problems)
	}
}
