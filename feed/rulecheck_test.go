package feed

import (
	"strings"
	"testing"
)

// The checker accepts rules written as the Suricata User Guide writes them.
func TestCheckerAcceptsDocumentedRules(t *testing.T) {
	for _, r := range []string{
		`alert dns any any -> any any (msg:"Test dns.query option"; dns.query; content:"google"; nocase; sid:1;)`,
		`alert dns any any -> any any (msg:"bsize exact buffer size"; dns.query; content:"google.com"; bsize:10; sid:1; rev:1;)`,
		`alert dns any any -> any any (dns.query; dotprefix; content:".microsoft.com"; endswith; sid:1;)`,
		`alert tls any any -> any any (msg:"match cert fingerprint"; tls.cert_fingerprint; content:"4a:a3:66:76:82:cb:6b:23:bb:c3:58:47:23:a4:63:a7:78:a4:a1:18"; sid:200023;)`,
		`alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"HTTP Host Example"; flow:established,to_server; http.host; content:"suricata.io"; bsize:11; classtype:bad-unknown; sid:123; rev:1;)`,
		`alert http any any -> any any (msg:"Black list checksum match and extract MD5"; filemd5:fileextraction-chksum.list; sid:28; rev:1;)`,
		`alert tcp 1.2.3.4 any <> 5.6.7.8 80 (msg:"both ways"; sid:2;)`,
		`alert tcp [10.0.0.0/24, !10.0.0.5] any -> ![1.1.1.1, 1.1.1.2] [80:100,!99] (msg:"groups"; sid:3;)`,
		`alert tcp any [1024: ] -> any [1:80,![2,4]] (msg:"ranges"; sid:4; metadata: former_category MALWARE, created_at 2024_01_01;)`,
		`alert http any any -> any any (msg:"Message with semicolon\;"; content:"a|0D|bc"; content:"|61 0D 62 63|"; sid:5;)`,
	} {
		if err := CheckRule(Suricata, r); err != nil {
			t.Errorf("%s\n  rejected: %v", r, err)
		}
	}
	for _, r := range []string{
		`alert tcp any any -> any 139 (msg:"smb"; content:"|5c 00|P|00|I|00|P|00|E|00 5c|"; sid:1000001; rev:1;)`,
		`alert tcp any any -> any 80 (msg:"uri"; content:"/cgi-bin/phf"; http_uri; urilen:12; sid:1000002; rev:1;)`,
		`alert tcp any any -> any 443 (msg:"hello"; ssl_state:client_hello; ssl_state:!server_hello; sid:1000003; rev:1;)`,
		`alert udp any any -> any 53 (msg:"dns"; content:"|06|google|03|com|00|"; offset:12; depth:12; nocase; sid:1000004; rev:1;)`,
	} {
		if err := CheckRule(Snort, r); err != nil {
			t.Errorf("%s\n  rejected: %v", r, err)
		}
	}
}

// The checker refuses what the documentation says a sensor refuses.
func TestCheckerRejects(t *testing.T) {
	cases := []struct{ rule, why string }{
		{`alert dns any any -> any any (msg:"x"; dns.query; content:"a"; rev:1;)`, "sid: given 0 times"},
		{`alert dns any any -> any any (msg:"x"; msg:"y"; sid:1;)`, "msg: given 2 times"},
		{`alert dns any any -> any any (msg:"x"; sid:0;)`, "not a number from 1"},
		{`alert dns any any -> any any (msg:"x"; sid:1; sid:2;)`, "given 2 times"},
		{`alert dns any any -> any any (msg:"a "quote""; sid:1;)`, `unescaped '"'`},
		{`alert dns any any -> any any (msg:"x"; dns.query; content:"a"b"; sid:1;)`, `unescaped '"'`},
		{`alert dns any any -> any any (msg:"x"; dns.query; content:"|0G|"; sid:1;)`, "hex group"},
		{`alert dns any any -> any any (msg:"x"; dns.query; content:"|0D 0|"; sid:1;)`, "odd number"},
		{`alert dns any any -> any any (msg:"x"; dns.query; content:"|0D"; sid:1;)`, "unclosed hex"},
		{`alert dns any any -> any any (msg:"x"; dns.query; content:""; sid:1;)`, "non-empty"},
		{`alert dns any any -> any any (msg:"x"; dns.query; content:"google.com"; bsize:5; sid:1;)`, "cannot match a buffer"},
		{`alert dns any any -> any any (msg:"x"; dns.query; sid:1;)`, "without a content"},
		{`alert dns any any -> any any (msg:"x"; dns.query; tls.sni; content:"a"; sid:1;)`, "has no content"},
		{`alert tls any any -> any any (msg:"x"; dns.query; content:"a"; sid:1;)`, "applies to rules of protocol dns"},
		{`alert http any any -> any any (msg:"x"; http.host; content:"a.example"; nocase; sid:1;)`, "refuses nocase"},
		{`alert http any any -> any any (msg:"x"; http.host; content:"A.example"; sid:1;)`, "upper-case"},
		{`alert ip any any -> any any (msg:"x"; nocase; sid:1;)`, "without a content"},
		{`alert ip any any -> any any (msg:"x"; content:"a"; startswith; depth:3; sid:1;)`, "startswith cannot be mixed"},
		{`alert ip any any -> any any (msg:"x"; content:"a"; nocase; nocase; sid:1;)`, "given twice"},
		{`alert ip any any -> 1.2.3.4 80 (msg:"x"; sid:1;)`, "has no ports"},
		{`alert ip any any -> 1.2.3.400 any (msg:"x"; sid:1;)`, "not an address"},
		{`alert tcp any any -> any 70000 (msg:"x"; sid:1;)`, "not a port"},
		{`alert tcp any any -> any 90:80 (msg:"x"; sid:1;)`, "above its last"},
		{`alert tcp any any <- any any (msg:"x"; sid:1;)`, "direction"},
		{`block tcp any any -> any any (msg:"x"; sid:1;)`, "not a suricata action"},
		{`alert gopher any any -> any any (msg:"x"; sid:1;)`, "not a suricata rule protocol"},
		{`alert tcp any any -> any any (msg:"x"; sid:1;`, "do not end"},
		{`alert tcp any any -> any (msg:"x"; sid:1;)`, "header has 6 fields"},
		{`alert tcp [1.2.3.4 any -> any any (msg:"x"; sid:1;)`, "unbalanced"},
		{`alert tcp any any -> any any (msg:"x"; sid:1; pcre:"/a/";)`, "not a suricata keyword"},
		{`alert tcp any any -> any any (msg:"x"; sid:1; metadata:key;)`, "want key value"},
		{`alert tcp any any -> any any (msg:"x"; sid:1; flow:sideways;)`, "not a flow option"},
		{`alert ip any any -> any any (msg:"x"; filemd5:../../etc/passwd; sid:1;)`, "file name"},
		{`alert dns any any -> any any (msg:"x"; dotprefix; dns.query; content:"a"; sid:1;)`, "transform"},
	}
	for _, c := range cases {
		err := CheckRule(Suricata, c.rule)
		if err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s\n  got %v, want an error containing %q", c.rule, err, c.why)
		}
	}
	snort := []struct{ rule, why string }{
		{`alert dns any any -> any any (msg:"x"; sid:1;)`, "not a snort rule protocol"},
		{`alert tcp any any -> any any (msg:"x"; dns.query; content:"a"; sid:1;)`, "not a snort keyword"},
		{`alert tcp any any -> any any (msg:"x"; content:"a"; startswith; sid:1;)`, "not a snort keyword"},
		{`alert tcp any any -> any any (msg:"x"; content:"a"; http_uri; http_header; sid:1;)`, "one buffer"},
		{`alert tcp any any -> any any (msg:"x"; urilen:5<>3; sid:1;)`, "want N"},
		{`alert tcp any any -> any any (msg:"x"; ssl_state:handshake; sid:1;)`, "not an SSL state"},
	}
	for _, c := range snort {
		err := CheckRule(Snort, c.rule)
		if err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("snort %s\n  got %v, want an error containing %q", c.rule, err, c.why)
		}
	}
	dup := "alert ip any any -> any any (msg:\"a\"; sid:7;)\n# comment\n\nalert ip any any -> any any (msg:\"b\"; sid:7;)\n"
	if err := CheckRules(Suricata, strings.NewReader(dup)); err == nil || !strings.Contains(err.Error(), "line 4: sid 7 is already the sid of line 1") {
		t.Errorf("duplicate sid: %v", err)
	}
}
