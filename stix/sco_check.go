package stix

import (
	"net/netip"
	"slices"
	"strings"
)

// atLeastOneOwn requires an SCO to have at least one of the properties its
// type defines (or an extension), as process, user-account,
// windows-registry-key and x509-certificate must.
func atLeastOneOwn(typ string) func(c *checker, v *value, p *path) {
	return func(c *checker, v *value, p *path) {
		own := specs[typ].props
		for i := range v.obj {
			if _, ok := own[v.obj[i].key]; ok || v.obj[i].key == "extensions" {
				return
			}
		}
		c.errf(p, "a %s must have at least one property of its own type or an extension", typ)
	}
}

func checkArtifact(c *checker, v *value, p *path) {
	bin, url := v.get("payload_bin") != nil, v.get("url") != nil
	switch {
	case bin && url:
		q := p.child("url")
		c.errf(&q, "must not be present together with payload_bin")
	case !bin && !url:
		c.errf(p, "an artifact needs payload_bin or url")
	case url && v.get("hashes") == nil:
		q := p.child("hashes")
		c.errf(&q, "is required when url is present")
	}
	if v.get("decryption_key") != nil && v.get("encryption_algorithm") == nil {
		q := p.child("decryption_key")
		c.errf(&q, "must not be present without encryption_algorithm")
	}
	if m := v.get("mime_type"); m != nil && m.kind == kString && !isMediaType(m.s) {
		q := p.child("mime_type")
		c.errf(&q, "%q is not a media type of the IANA registry's form (type/subtype, type one of %s)", truncate(m.s, 64), strings.Join(mediaTopTypes, ", "))
	}
}

// mediaTopTypes are the top-level types of the IANA Media Types registry.
var mediaTopTypes = []string{"application", "audio", "font", "image", "message", "model", "multipart", "text", "video"}

// isMediaType checks the form of a registered media type: a top-level type
// of the registry, '/', and a subtype of letters, digits and ".+_-".
// Whether the registry lists the subtype is not checked: it grows every
// month, and a node would refuse new types until it is updated.
func isMediaType(s string) bool {
	slash := strings.IndexByte(s, '/')
	if slash < 0 || !slices.Contains(mediaTopTypes, s[:slash]) || slash == len(s)-1 {
		return false
	}
	for i := slash + 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".+_-", c) >= 0) {
			return false
		}
	}
	return true
}

// checkRegistryKey requires a property of the key's own and the hive of
// key written out: STIX 2.1 forbids the abbreviations (HKLM for
// HKEY_LOCAL_MACHINE).
func checkRegistryKey(c *checker, v *value, p *path) {
	atLeastOneOwn("windows-registry-key")(c, v, p)
	k := v.get("key")
	if k == nil || k.kind != kString {
		return
	}
	hive, _, _ := strings.Cut(k.s, "\\")
	if full, ok := abbreviatedHives[strings.ToUpper(hive)]; ok {
		q := p.child("key")
		c.errf(&q, "the hive %q must be written out in full (%s)", hive, full)
	}
}

// abbreviatedHives maps the usual abbreviations of registry hives to the
// names STIX 2.1 requires.
var abbreviatedHives = map[string]string{
	"HKLM": "HKEY_LOCAL_MACHINE", "HKCC": "HKEY_CURRENT_CONFIG", "HKCR": "HKEY_CLASSES_ROOT",
	"HKCU": "HKEY_CURRENT_USER", "HKU": "HKEY_USERS",
}

// FullRegistryKey returns key with an abbreviated hive (HKLM, HKCU, ...)
// written out in full, as STIX 2.1 requires; other keys are returned as
// they are.
func FullRegistryKey(key string) string {
	hive, rest, found := strings.Cut(key, "\\")
	full, ok := abbreviatedHives[strings.ToUpper(hive)]
	if !ok {
		return key
	}
	if !found {
		return full
	}
	return full + "\\" + rest
}

func checkEmailMessage(c *checker, v *value, p *path) {
	m := v.get("is_multipart")
	if m == nil || m.kind != kBool {
		return
	}
	if m.b && v.get("body") != nil {
		q := p.child("body")
		c.errf(&q, "must not be present when is_multipart is true; use body_multipart")
	}
	if !m.b && v.get("body_multipart") != nil {
		q := p.child("body_multipart")
		c.errf(&q, "must not be present when is_multipart is false")
	}
}

func checkNetworkTraffic(c *checker, v *value, p *path) {
	if v.get("src_ref") == nil && v.get("dst_ref") == nil {
		c.errf(p, "a network-traffic needs src_ref or dst_ref")
	}
	if a := v.get("is_active"); a != nil && a.kind == kBool && a.b && v.get("end") != nil {
		q := p.child("end")
		c.errf(&q, "must not be present when is_active is true")
	}
	c.order(v, p, "start", "end", false)
	if pr := v.get("protocols"); pr != nil && pr.kind == kArray {
		for i := range pr.arr {
			if pr.arr[i].kind == kString && strings.ToLower(pr.arr[i].s) != pr.arr[i].s {
				q := p.child("protocols")
				r := q.at(i)
				c.warnf(&r, "protocol names should be lowercase")
			}
		}
	}
}

// checkIPValue checks an ipv4-addr or ipv6-addr value: an address or a
// CIDR block of the right family.
func checkIPValue(family int) func(c *checker, v *value, p *path) {
	return func(c *checker, v *value, p *path) {
		s := v.get("value")
		if s == nil || s.kind != kString {
			return
		}
		q := p.child("value")
		var addr netip.Addr
		var err error
		if strings.Contains(s.s, "/") {
			var pfx netip.Prefix
			pfx, err = netip.ParsePrefix(s.s)
			addr = pfx.Addr()
		} else {
			addr, err = netip.ParseAddr(s.s)
		}
		switch {
		case err != nil:
			c.errf(&q, "is not an IPv%d address or CIDR block: %v", family, err)
		case family == 4 && !addr.Is4():
			c.errf(&q, "is not an IPv4 address or CIDR block")
		case family == 6 && (!addr.Is6() || addr.Zone() != ""):
			c.errf(&q, "is not an IPv6 address or CIDR block")
		}
	}
}

// isMAC checks the lowercase colon-separated form STIX requires.
func isMAC(s string) bool {
	if len(s) != 17 {
		return false
	}
	for i := 0; i < 17; i++ {
		c := s[i]
		if i%3 == 2 {
			if c != ':' {
				return false
			}
		} else if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// checkEmailValue requires an RFC 5322 addr-spec: local-part@domain, without
// a display name or white space.
func checkEmailValue(c *checker, v *value, p *path) {
	s := v.get("value")
	if s == nil || s.kind != kString {
		return
	}
	at := strings.LastIndexByte(s.s, '@')
	if at <= 0 || at == len(s.s)-1 || strings.ContainsAny(s.s, " \t\r\n<>") {
		q := p.child("value")
		c.errf(&q, "must be an RFC 5322 addr-spec (local-part@domain), without a display name")
	}
}

// checkDomainValue rejects values that cannot be domain names (RFC 1034,
// RFC 5890): empty labels, white space, or URL and address punctuation.
// Internationalised names are accepted in either U-label or A-label form.
func checkDomainValue(c *checker, v *value, p *path) {
	s := v.get("value")
	if s == nil || s.kind != kString {
		return
	}
	name := strings.TrimSuffix(s.s, ".")
	ok := name != "" && len(name) <= 253 && !strings.ContainsAny(name, " \t\r\n/:@?#[]\\")
	for _, label := range strings.Split(name, ".") {
		ok = ok && label != "" && len(label) <= 63
	}
	if !ok {
		q := p.child("value")
		c.errf(&q, "is not a domain name (RFC 1034, RFC 5890)")
	}
}
