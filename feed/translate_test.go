package feed

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/pattern"
)

func TestTranslate(t *testing.T) {
	cases := []struct {
		pattern string
		want    string // observables as "kind value[ dir][ port][ proto]", or "error: substring"
		dropped string
	}{
		{"[ipv4-addr:value = '198.51.100.7']", "ipv4 198.51.100.7", ""},
		{"[ipv4-addr:value = '198.51.100.7/24']", "cidr4 198.51.100.0/24", ""},
		{"[ipv4-addr:value ISSUBSET '198.51.100.0/24']", "cidr4 198.51.100.0/24", ""},
		{"[ipv4-addr:value = '::1']", "error: not an IPv4 address", ""},
		{"[ipv6-addr:value = '2001:db8:0:0::1/128']", "ipv6 2001:db8::1", ""},
		{"[ipv6-addr:value = 'fe80::1%eth0']", "error: not an IP address", ""},
		{"[domain-name:value = 'A.Example.']", "domain a.example", ""},
		{"[domain-name:value = 'a..example']", "error: not a domain name", ""},
		{"[url:value = 'HTTP://User@Evil.Example/Path']", "url http://User@evil.example/Path", ""},
		{"[url:value = 'evil.example/path']", "error: not an absolute URL", ""},
		{"[file:hashes.md5 = 'D41D8CD98F00B204E9800998ECF8427E']", "md5 d41d8cd98f00b204e9800998ecf8427e", ""},
		{"[file:hashes.'SHA-256' = 'abc']", "error: not a sha256 hash", ""},
		{"[file:hashes.SSDEEP = '3:a:b']", "error: no feed equivalent", ""},
		{"[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' AND file:size = 0]", "md5 d41d8cd98f00b204e9800998ecf8427e", "file:size: no feed equivalent"},
		{"[email-addr:value = 'a@B.example']", "email a@b.example", ""},
		{"[network-traffic:dst_ref.value = 'evil.example' AND network-traffic:dst_port = 443]", "domain evil.example", "network-traffic:dst_port: the port of a domain name"},
		{"[network-traffic:src_ref.value = '10.0.0.1' AND network-traffic:dst_port = 443]", "error: a port of the other end", ""},
		{"[network-traffic:src_ref.value = '10.0.0.1' AND network-traffic:src_port = 53 AND network-traffic:protocols[*] = 'udp']", "ipv4 10.0.0.1 src 53 udp", ""},
		{"[network-traffic:dst_ref.type = 'ipv6-addr' AND network-traffic:dst_ref.value = '10.0.0.1']", "error: network-traffic:dst_ref.type is \"ipv6-addr\"", ""},
		{"[network-traffic:dst_port = 443]", "error: no value a feed can test", ""},
		{"[network-traffic:dst_ref.value = '10.0.0.1' AND network-traffic:dst_port = 443 AND network-traffic:dst_port = 80]", "error: two ports", ""},
		{"[ipv4-addr:value = '10.0.0.1' AND ipv4-addr:value = '10.0.0.2']", "error: several values tested together", ""},
		{"[ipv4-addr:value = '10.0.0.1' OR ipv4-addr:value = '10.0.0.1']", "ipv4 10.0.0.1", ""},
		{"[ipv4-addr:value IN ('10.0.0.2', '10.0.0.1')]", "ipv4 10.0.0.2, ipv4 10.0.0.1", ""},
		{"[ipv4-addr:value IN (1, 2)]", "error: 1 is not a string", ""},
		{"([ipv4-addr:value = '10.0.0.1'] OR [url:value LIKE 'x']) OR [process:pid = 4]", "ipv4 10.0.0.1", "an alternative: url:value: the operator LIKE cannot be expressed; an alternative: process:pid: no feed equivalent"},
		{"[ipv4-addr:value = '10.0.0.1'] WITHIN 5 SECONDS", "error: the qualifier WITHIN", ""},
		{"[ipv4-addr:value = '10.0.0.1'] START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00Z'", "error: the qualifier START/STOP", ""},
		{"[ipv4-addr:value = '10.0.0.1'] REPEATS 2 TIMES", "error: the qualifier REPEATS", ""},
		{"[x509-certificate:hashes.'SHA-1' = '4AA3667682CB6B23BBC3584723A463A778A4A118']", "x509-sha1 4aa3667682cb6b23bbc3584723a463a778a4a118", ""},
		{"[x509-certificate:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']", "error: no feed equivalent", ""},
		{"[ipv4-addr:value = '10.0.0.1' AND (ipv4-addr:value = '10.0.0.2' OR ipv4-addr:x_tag = 'a')]", "ipv4 10.0.0.1", "ipv4-addr:x_tag: no feed equivalent; an alternative: ipv4-addr:value: several values tested together in one object cannot be expressed"},
		{"[NOT ipv4-addr:value = '10.0.0.1']", "error: expected", ""},
		{"[ipv4-addr:value NOT = '10.0.0.1']", "error: NOT cannot be expressed", ""},
		{"[domain-name:value EXISTS]", "error: expected", ""},
	}
	for _, c := range cases {
		p, err := pattern.Parse(c.pattern)
		if err != nil {
			if strings.HasPrefix(c.want, "error: ") && strings.Contains(err.Error(), strings.TrimPrefix(c.want, "error: ")) {
				continue
			}
			t.Errorf("%s: does not parse: %v", c.pattern, err)
			continue
		}
		tr, err := Translate(p)
		if strings.HasPrefix(c.want, "error: ") {
			if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(c.want, "error: ")) {
				t.Errorf("%s: got %v, %v; want %s", c.pattern, tr, err, c.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.pattern, err)
			continue
		}
		var got []string
		for _, o := range tr.Observables {
			s := o.Kind.String() + " " + o.Value
			if o.Dir == DirSrc {
				s += " src"
			}
			if o.Port != 0 {
				s += fmt.Sprintf(" %d", o.Port)
			}
			if o.Proto != "" {
				s += " " + o.Proto
			}
			got = append(got, s)
		}
		if strings.Join(got, ", ") != c.want || strings.Join(tr.Dropped, "; ") != c.dropped {
			t.Errorf("%s:\n got %s / dropped %q\nwant %s / dropped %q", c.pattern, strings.Join(got, ", "), strings.Join(tr.Dropped, "; "), c.want, c.dropped)
		}
	}
}

// A pattern that multiplies alternatives is refused, not expanded.
func TestTranslateTooComplex(t *testing.T) {
	var terms []string
	for i := 0; i < 12; i++ {
		terms = append(terms, fmt.Sprintf("(ipv4-addr:value = '10.0.%d.1' OR ipv4-addr:value = '10.0.%d.2')", i, i))
	}
	p := pattern.MustParse("[" + strings.Join(terms, " AND ") + "]")
	if _, err := Translate(p); err == nil || !strings.Contains(err.Error(), "more than 256 alternatives") {
		t.Errorf("got %v", err)
	}
}
