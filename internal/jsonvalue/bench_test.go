package jsonvalue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// benchDocument is a list of n bundles shaped like observations: an
// observed-data, a network flow and its two addresses, and a file.
func benchDocument(n int) []byte {
	var b bytes.Buffer
	b.WriteString("[\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"type":"bundle","id":"bundle--%08d-0000-4000-8000-000000000000","objects":[`+
			`{"type":"observed-data","spec_version":"2.1","id":"observed-data--%08d-0000-4000-8000-000000000000","created":"2024-03-01T00:00:01Z","modified":"2024-03-01T00:00:01Z","first_observed":"2024-03-01T00:00:00Z","last_observed":"2024-03-01T00:00:01Z","number_observed":%d,"object_refs":["network-traffic--%08d-0000-4000-8000-000000000000","ipv4-addr--%08d-0000-4000-8000-000000000001","ipv4-addr--%08d-0000-4000-8000-000000000002"]},`+
			`{"type":"network-traffic","spec_version":"2.1","id":"network-traffic--%08d-0000-4000-8000-000000000000","src_ref":"ipv4-addr--%08d-0000-4000-8000-000000000001","dst_ref":"ipv4-addr--%08d-0000-4000-8000-000000000002","src_port":%d,"dst_port":443,"protocols":["ipv4","tcp"]},`+
			`{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--%08d-0000-4000-8000-000000000001","value":"10.0.%d.%d"},`+
			`{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--%08d-0000-4000-8000-000000000002","value":"198.51.100.%d"},`+
			`{"type":"file","spec_version":"2.1","id":"file--%08d-0000-4000-8000-000000000000","name":"f%d.exe","size":%d,"hashes":{"MD5":"%032x","SHA-256":"%064x"}}]}`,
			i, i, 1+i%7, i, i, i, i, i, i, 1024+i%60000, i, i/256%256, i%256, i, i%256, i, i, 1000+i, i, i)
	}
	b.WriteString("\n]\n")
	return b.Bytes()
}

// BenchmarkDecode decodes a list of 2,000 bundles (2 MB) with Decode and,
// for comparison, with encoding/json's Decoder and UseNumber.
func BenchmarkDecode(b *testing.B) {
	doc := benchDocument(2000)
	b.Run("jsonvalue", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		b.ReportAllocs()
		for b.Loop() {
			dec := json.NewDecoder(bytes.NewReader(doc))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestBenchDocument keeps the benchmark's input valid and decoded alike.
func TestBenchDocument(t *testing.T) {
	checkDecode(t, benchDocument(20))
}
