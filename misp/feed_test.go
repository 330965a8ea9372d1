package misp

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

func TestReadFeed(t *testing.T) {
	var files []string
	err := ReadFeed(os.DirFS("testdata/feed"), func(file string, ev *Event) error {
		files = append(files, file+" "+ev.Info)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 || !strings.HasPrefix(files[0], "57c4445b-c548-4654-af0b-4be3950d210f.json Ransomware - Xorist") {
		t.Errorf("read %v", files)
	}
	event := `{"Event":{"uuid":"5e000000-0000-4000-8000-000000000001","info":"x","date":"2023-01-01"}}`
	cases := []struct {
		fs   fstest.MapFS
		want string
	}{
		{fstest.MapFS{}, "MISP feed: open manifest.json"},
		{fstest.MapFS{"manifest.json": {Data: []byte(`[`)}}, "manifest.json: offset"},
		{fstest.MapFS{"manifest.json": {Data: []byte(`{"../../etc/passwd":{}}`)}}, `manifest.json: entry "../../etc/passwd": not an event UUID`},
		{fstest.MapFS{"manifest.json": {Data: []byte(`{"5e000000-0000-4000-8000-000000000001":{}}`)}},
			`manifest.json: entry "5e000000-0000-4000-8000-000000000001": open 5e000000-0000-4000-8000-000000000001.json`},
		{fstest.MapFS{"manifest.json": {Data: []byte(`{"5e000000-0000-4000-8000-000000000002":{}}`)},
			"5e000000-0000-4000-8000-000000000002.json": {Data: []byte(event)}},
			"5e000000-0000-4000-8000-000000000002.json: holds 1 events, not the one event 5e000000-0000-4000-8000-000000000002"},
		{fstest.MapFS{"manifest.json": {Data: []byte(`{"5e000000-0000-4000-8000-000000000001":{"timestamp":[1]}}`)}}, "manifest.json: $.timestamp"},
		{fstest.MapFS{"manifest.json": {Data: []byte(`{"5e000000-0000-4000-8000-000000000001":{}}`)},
			"5e000000-0000-4000-8000-000000000001.json": {Data: []byte(`{"Event":{"uuid":"5e000000-0000-4000-8000-000000000001","to_ids":{}, "Attribute":[{"to_ids":"maybe"}]}}`)}},
			"5e000000-0000-4000-8000-000000000001.json: $.Event.Attribute.to_ids: want a boolean, found \"maybe\""},
	}
	for _, c := range cases {
		err := ReadFeed(c.fs, func(string, *Event) error { return nil })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
}

func TestReadEventsForms(t *testing.T) {
	ev := `{"uuid":"5e000000-0000-4000-8000-000000000001","info":"x","timestamp":1700000000,"published":"1"}`
	for _, js := range []string{`{"Event":` + ev + `}`, `[{"Event":` + ev + `},{"Event":` + ev + `}]`, `{"response":[{"Event":` + ev + `}]}`, ev} {
		evs, err := ReadEvents("x.json", strings.NewReader(js))
		if err != nil || len(evs) == 0 || evs[0].Info != "x" || evs[0].Timestamp != "1700000000" || !evs[0].Published {
			t.Errorf("%s: %v %+v", js, err, evs)
		}
	}
	for js, want := range map[string]string{
		`{"foo":1}`:             "x.json: not a MISP event",
		`[{"foo":1}]`:           "x.json: [0]: no Event member",
		`{"Event":{"info":[]}}`: "x.json: $.Event.info",
	} {
		if _, err := ReadEvents("x.json", strings.NewReader(js)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", js, err, want)
		}
	}
}
