package source

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseConfigsErrors(t *testing.T) {
	ok := `"name":"a","api_root":"https://t.example/api/","collection":"c","into":"i","principal":"source-a","markings":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]`
	for _, c := range []struct{ in, want string }{
		{`{"sources":[{` + ok + `,"interval":"1s"}]}`, `sources.json: sources[0]: interval 1s: at least 10s`},
		{`{"sources":[{` + strings.Replace(ok, "https://t.example/api/", "https://u:p@t.example/api/", 1) + `}]}`, `sources.json: sources[0]: api_root`},
		{`{"sources":[{` + strings.Replace(ok, `"markings":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]`, `"markings":[]`, 1) + `}]}`, `sources.json: sources[0]: markings: a source needs its own default marking`},
		{`{"sources":[{` + strings.Replace(ok, "https://t.example/api/", "http://t.example/api/", 1) + `}]}`, `sources.json: sources[0]: api_root "http://t.example/api/": plain HTTP is allowed only to a loopback address`},
		{`{"sources":[{` + ok + `,"token":"x"}]}`, `sources.json: sources: json: unknown field "token"`},
		{`{"sources":[{` + ok + `,"cert_sha256":"zz"}]}`, `sources.json: sources[0]: cert_sha256 "zz"`},
	} {
		_, err := ParseConfigs("sources.json", []byte(c.in))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q...", c.in, err, c.want)
		}
	}
}

// FuzzParseConfigs: no input panics, and what parses writes back to the
// same sources.
func FuzzParseConfigs(f *testing.F) {
	f.Add([]byte(`{"sources":[{"name":"a","api_root":"https://t.example/api/","collection":"c","into":"i","principal":"source-a","markings":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],"acts_for":["identity--6b6c4a1e-2f3d-4c5b-8a9e-0d1c2b3a4f51"],"interval":"5m","page_size":500,"username":"u","cert_sha256":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := ParseConfigs("sources.json", data)
		if err != nil {
			return
		}
		b, err := MarshalConfigs(cs)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseConfigs("sources.json", b)
		if err != nil {
			t.Fatalf("written sources do not parse: %v\n%s", err, b)
		}
		byName := func(cs []Config) map[string]Config {
			m := map[string]Config{}
			for _, c := range cs {
				if len(c.ActsFor) == 0 {
					c.ActsFor = nil
				}
				m[c.Name] = c
			}
			return m
		}
		if !reflect.DeepEqual(byName(cs), byName(again)) {
			t.Fatalf("round trip changed the sources:\n%+v\n%+v", cs, again)
		}
	})
}
