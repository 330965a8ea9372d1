package strictjson_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/internal/strictjson"
)

type inner struct {
	N    int             `json:"n"`
	F    float64         `json:"f"`
	U    uint8           `json:"u"`
	B    bool            `json:"b"`
	S    []string        `json:"s"`
	M    map[string]int  `json:"m"`
	T    *time.Time      `json:"t"`
	Raw  json.RawMessage `json:"raw"`
	Any  any             `json:"any"`
	Data []byte          `json:"data"`
}

type outer struct {
	Name  string  `json:"name"`
	Items []inner `json:"items"`
	Ptr   *inner  `json:"ptr"`
	Skip  string  `json:"-"`
}

// FuzzDecode: the strict decoder never panics, and whatever it accepts
// encoding/json decodes to the same value.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{}`, `{"name":"x","items":[{"n":1,"f":1.5,"u":255,"b":true,"s":["a"],"m":{"k":1},"t":"2027-01-01T00:00:00Z","raw":{"a":[1]},"any":null,"data":"AAE="}]}`,
		`{"name":1}`, `{"items":[{"n":1e400}]}`, `{"ptr":{"u":256}}`, `{"name":"a","name":"b"}`, `[`, `{"a":1} x`, strings.Repeat("[", 100)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var a outer
		if err := strictjson.Decode(data, "f.json", &a); err != nil {
			if !strings.HasPrefix(err.Error(), "f.json: $") {
				t.Fatalf("error without file and path: %v", err)
			}
			return
		}
		var b outer
		if err := json.Unmarshal(data, &b); err != nil {
			t.Fatalf("accepted what encoding/json refuses: %v", err)
		}
	})
}

// TestDecodeErrors: each problem has its path.
func TestDecodeErrors(t *testing.T) {
	var o outer
	err := strictjson.Decode([]byte(`{"name":1,"items":[{"n":"x"},{"u":300,"extra":1,"data":"!"}],"ptr":{"t":"yesterday"}}`), "f.json", &o)
	for _, want := range []string{"f.json: $.name: must be a string, not a number", "f.json: $.items[0].n: must be an integer, not a string",
		"f.json: $.items[1].u: must be a non-negative integer that fits 8 bits, not 300", "f.json: $.items[1].extra: is not a property defined here",
		"f.json: $.items[1].data: must be a base64 string", "f.json: $.ptr.t:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	for data, want := range map[string]string{
		`{"name":"a","name":"b"}`: "f.json: $.name: appears twice",
		`{"name":"a"} {}`:         "f.json: $: one JSON value expected",
		`{"items":[{"n":1},]}`:    "f.json: $.items[1]: malformed JSON near byte offset 18",
		strings.Repeat(`{"any":`, 70) + "1" + strings.Repeat("}", 70): "nested more than 64 levels deep",
	} {
		if err := strictjson.Decode([]byte(data), "f.json", &o); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.30s: %v, want %q", data, err, want)
		}
	}
}
