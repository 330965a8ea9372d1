package feed

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Kind is the type of an observable value a feed carries.
type Kind int

// The observable kinds. A network is an IPv4 or IPv6 CIDR block; a single
// address written as a /32 or /128 block is an address.
const (
	KindIPv4 Kind = iota + 1
	KindIPv6
	KindNet4
	KindNet6
	KindDomain
	KindURL
	KindEmail
	KindMD5
	KindSHA1
	KindSHA256
	KindSHA512
	KindX509SHA1 // the SHA-1 fingerprint of an X.509 certificate
)

var kindNames = map[Kind]string{
	KindIPv4: "ipv4", KindIPv6: "ipv6", KindNet4: "cidr4", KindNet6: "cidr6", KindDomain: "domain",
	KindURL: "url", KindEmail: "email", KindMD5: "md5", KindSHA1: "sha1", KindSHA256: "sha256",
	KindSHA512: "sha512", KindX509SHA1: "x509-sha1",
}

// String names the kind as the feeds do ("ipv4", "domain", "sha256").
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// IsHash reports whether the kind is a file hash.
func (k Kind) IsHash() bool { return k >= KindMD5 && k <= KindSHA512 }

// IsIP reports whether the kind is an address or a network.
func (k Kind) IsIP() bool { return k >= KindIPv4 && k <= KindNet6 }

// Observable is one value an indicator's pattern tests for, normalised:
// addresses and networks in their canonical form (networks masked),
// domains and URL schemes and hosts in lower case, hashes in lower-case hex.
type Observable struct {
	Kind  Kind
	Value string
	// Dir says which end of the traffic an address is: either, or the
	// destination or source a network-traffic pattern names.
	Dir Dir
	// Port, when not zero, restricts an address or network to one port
	// (network-traffic dst_port or src_port).
	Port int
	// Proto is "tcp" or "udp" when the pattern names the transport.
	Proto string
}

// Dir is an end of network traffic.
type Dir int

// The ends: an address of ipv4-addr:value may be either end.
const (
	DirAny Dir = iota
	DirDst
	DirSrc
)

// component names the observable's purpose within its indicator; the rule
// id is derived from the indicator id and the component.
func (o Observable) component() string {
	s := o.Kind.String() + " " + o.Value
	switch o.Dir {
	case DirDst:
		s += " dst"
	case DirSrc:
		s += " src"
	}
	if o.Port != 0 {
		s += " port " + strconv.Itoa(o.Port)
	}
	if o.Proto != "" {
		s += " " + o.Proto
	}
	return s
}

// hashKinds maps the STIX hash algorithm names (and the spellings without
// hyphens that producers use) to kinds.
var hashKinds = map[string]Kind{
	"MD5": KindMD5, "SHA-1": KindSHA1, "SHA1": KindSHA1, "SHA-256": KindSHA256, "SHA256": KindSHA256,
	"SHA-512": KindSHA512, "SHA512": KindSHA512,
}

var hashLen = map[Kind]int{KindMD5: 32, KindSHA1: 40, KindSHA256: 64, KindSHA512: 128, KindX509SHA1: 40}

// normalizeIP reads an address or a CIDR block of the family the STIX type
// names (v6 false: ipv4-addr).
func normalizeIP(s string, v6 bool) (Observable, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil || p.Addr().Zone() != "" {
			return Observable{}, fmt.Errorf("%q is not a CIDR block", s)
		}
		if p.Addr().Is4() == v6 {
			return Observable{}, fmt.Errorf("%q is not an %s block", s, family(v6))
		}
		p = p.Masked()
		if p.IsSingleIP() {
			return addrObservable(p.Addr()), nil
		}
		k := KindNet4
		if v6 {
			k = KindNet6
		}
		return Observable{Kind: k, Value: p.String()}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return Observable{}, fmt.Errorf("%q is not an IP address", s)
	}
	a = a.Unmap()
	if a.Is4() == v6 {
		return Observable{}, fmt.Errorf("%q is not an %s address", s, family(v6))
	}
	return addrObservable(a), nil
}

func family(v6 bool) string {
	if v6 {
		return "IPv6"
	}
	return "IPv4"
}

func addrObservable(a netip.Addr) Observable {
	if a.Is4() {
		return Observable{Kind: KindIPv4, Value: a.String()}
	}
	return Observable{Kind: KindIPv6, Value: a.String()}
}

// normalizeDomain lower-cases a domain name and drops a trailing dot. It
// accepts ASCII names only: a rule or a resolver compares the A-label
// (punycode) form, which the node does not compute.
func normalizeDomain(s string) (string, error) {
	d := strings.ToLower(strings.TrimSuffix(s, "."))
	if d == "" || len(d) > 253 {
		return "", fmt.Errorf("%q is not a domain name", s)
	}
	labels := strings.Split(d, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", fmt.Errorf("%q is not a domain name", s)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if c >= 0x80 {
				return "", fmt.Errorf("%q is not written in ASCII (its A-label, punycode, form is needed)", s)
			}
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", fmt.Errorf("%q is not a domain name", s)
			}
		}
	}
	return d, nil
}

// normalizeURL checks that a URL is absolute with a host and lower-cases
// its scheme and host; the rest is kept as written, since paths and queries
// are case-sensitive.
func normalizeURL(s string) (string, error) {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return "", fmt.Errorf("%q contains white space or a control character", s)
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("%q is not an absolute URL with a host", s)
	}
	scheme, rest, _ := strings.Cut(s, "://")
	host, path := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	userinfo := ""
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		userinfo, host = host[:i+1], host[i+1:]
	}
	return strings.ToLower(scheme) + "://" + userinfo + strings.ToLower(host) + path, nil
}

// normalizeHash lower-cases a hex hash and checks its length.
func normalizeHash(s string, k Kind) (string, error) {
	h := strings.ToLower(s)
	if len(h) != hashLen[k] {
		return "", fmt.Errorf("%q is not a %s hash", s, k)
	}
	for i := 0; i < len(h); i++ {
		if !(h[i] >= '0' && h[i] <= '9' || h[i] >= 'a' && h[i] <= 'f') {
			return "", fmt.Errorf("%q is not a %s hash", s, k)
		}
	}
	return h, nil
}

// normalizeEmail checks the shape local@domain.
func normalizeEmail(s string) (string, error) {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.ContainsAny(local, " \t\r\n\"<>") {
		return "", fmt.Errorf("%q is not an e-mail address", s)
	}
	d, err := normalizeDomain(domain)
	if err != nil {
		return "", fmt.Errorf("%q is not an e-mail address", s)
	}
	return local + "@" + d, nil
}
