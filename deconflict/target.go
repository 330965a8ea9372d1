package deconflict

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"

	"github.com/kizuna-dev/kizuna"
)

// Keys are the normalised forms of one target: two targets overlap when
// an exact key of one is among the keys of the other.
//
// Address ranges are cut at fixed prefix levels (every 4 bits: /8, /12 …
// /32 for IPv4, /16, /20 … /128 for IPv6). A range's exact keys are the
// level prefixes that tile it (at most 8: a /22 is four /24s), and its keys
// add every coarser level prefix that contains them. A /24 and an address
// inside it meet on the /24; two disjoint ranges share no exact key. A
// domain's exact key is itself and its keys add its parents up to its
// registered domain (evil.example covers c2.evil.example). A URL's keys add
// those of its host.
type Keys struct {
	Exact []string // the target itself, as level pieces
	Up    []string // Exact and everything that contains them
}

// Levels of address prefixes: bounded, so that a range decomposes into
// at most 2^(levelStep-1) pieces.
const levelStep = 4

// Shortest prefixes a target may name: a wider range is not a target but
// a region of the Internet, and would meet everything.
const (
	minV4 = 8
	minV6 = 16
)

// Normalise returns the keys of a target, or an error saying why it is
// not one.
func Normalise(t kizuna.ActionTarget) (Keys, error) {
	v := strings.TrimSpace(t.Value)
	switch t.Kind {
	case kizuna.TargetIP:
		return ipKeys(v)
	case kizuna.TargetDomain:
		d, err := domain(v)
		if err != nil {
			return Keys{}, err
		}
		return domainKeys(d)
	case kizuna.TargetURL:
		return urlKeys(v)
	case kizuna.TargetASN:
		n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToUpper(v), "AS"), 10, 32)
		if err != nil || n == 0 {
			return Keys{}, fmt.Errorf("%q is not an autonomous system number such as AS64500", v)
		}
		k := "asn:" + strconv.FormatUint(n, 10)
		return Keys{Exact: []string{k}, Up: []string{k}}, nil
	case kizuna.TargetObject:
		if !stixIDRE.MatchString(v) {
			return Keys{}, fmt.Errorf("%q is not a STIX identifier", v)
		}
		k := "stix:" + v
		return Keys{Exact: []string{k}, Up: []string{k}}, nil
	}
	return Keys{}, fmt.Errorf("%q is not a target kind (ip, domain, url, asn, stix)", t.Kind)
}

var stixIDRE = regexp.MustCompile(`^[a-z][a-z0-9-]*--[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func ipKeys(v string) (Keys, error) {
	var p netip.Prefix
	if strings.Contains(v, "/") {
		var err error
		if p, err = netip.ParsePrefix(v); err != nil {
			return Keys{}, fmt.Errorf("%q is not an address or a CIDR range", v)
		}
	} else {
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" {
			return Keys{}, fmt.Errorf("%q is not an address or a CIDR range", v)
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	p = p.Masked()
	family, min := "ip4:", minV4
	if p.Addr().Is6() {
		family, min = "ip6:", minV6
	}
	if p.Bits() < min {
		return Keys{}, fmt.Errorf("%s is wider than /%d: name the ranges the action concerns", p, min)
	}
	// The level at or below the prefix's length, and the pieces there.
	level := (p.Bits() + levelStep - 1) / levelStep * levelStep
	pieces := []netip.Prefix{p}
	if level > p.Bits() {
		pieces = split(p, level)
	}
	var k Keys
	up := map[string]bool{}
	for _, pc := range pieces {
		key := family + pc.String()
		k.Exact = append(k.Exact, key)
		for l := level; l >= min; l -= levelStep {
			a, _ := pc.Addr().Prefix(l)
			if s := family + a.String(); !up[s] {
				up[s] = true
				k.Up = append(k.Up, s)
			}
		}
	}
	return k, nil
}

// split returns the prefixes of length bits that tile p.
func split(p netip.Prefix, bits int) []netip.Prefix {
	out := []netip.Prefix{netip.PrefixFrom(p.Addr(), bits)}
	for i := p.Bits(); i < bits; i++ {
		var next []netip.Prefix
		for _, q := range out {
			next = append(next, q)
			// the upper half at bit i
			b := q.Addr().As16()
			off := i
			if q.Addr().Is4() {
				b4 := q.Addr().As4()
				b4[off/8] |= 0x80 >> (off % 8)
				next = append(next, netip.PrefixFrom(netip.AddrFrom4(b4), bits))
				continue
			}
			b[off/8] |= 0x80 >> (off % 8)
			next = append(next, netip.PrefixFrom(netip.AddrFrom16(b), bits))
		}
		out = next
	}
	return out
}

var labelRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// domain returns the ASCII, lower-case form of a domain name.
func domain(v string) (string, error) {
	d := strings.TrimSuffix(strings.ToLower(v), ".")
	a, err := idna.Lookup.ToASCII(d)
	if err != nil || a == "" || len(a) > 253 {
		return "", fmt.Errorf("%q is not a domain name", v)
	}
	for _, l := range strings.Split(a, ".") {
		if !labelRE.MatchString(l) {
			return "", fmt.Errorf("%q is not a domain name", v)
		}
	}
	return a, nil
}

func domainKeys(d string) (Keys, error) {
	reg, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return Keys{}, fmt.Errorf("%s is a public suffix, not a registered domain", d)
	}
	k := Keys{Exact: []string{"dns:" + d}}
	for name := d; ; {
		k.Up = append(k.Up, "dns:"+name)
		if name == reg {
			break
		}
		_, name, _ = strings.Cut(name, ".")
	}
	return k, nil
}

func urlKeys(v string) (Keys, error) {
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return Keys{}, fmt.Errorf("%q is not an absolute URL", truncate(v))
	}
	host := strings.ToLower(u.Hostname())
	var hk Keys
	if a, err := netip.ParseAddr(host); err == nil {
		if hk, err = ipKeys(a.String()); err != nil {
			return Keys{}, err
		}
		host = a.String()
		if a.Is6() {
			host = "[" + host + "]"
		}
	} else {
		d, err := domain(host)
		if err != nil {
			return Keys{}, err
		}
		if hk, err = domainKeys(d); err != nil {
			return Keys{}, err
		}
		host = d
	}
	scheme := strings.ToLower(u.Scheme)
	if port := u.Port(); port != "" && !(scheme == "http" && port == "80" || scheme == "https" && port == "443") {
		host += ":" + port
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	s := scheme + "://" + host + path
	if u.RawQuery != "" {
		s += "?" + u.RawQuery
	}
	key := "url:" + s
	return Keys{Exact: []string{key}, Up: append([]string{key}, hk.Up...)}, nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
