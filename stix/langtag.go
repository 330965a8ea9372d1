package stix

// The registries are generated from Debian's iso-codes package and the CSV
// form of the IANA Character Sets registry (character-sets-1.csv):
//
//go:generate go run gen_registries.go -charsets character-sets-1.csv

import (
	"encoding/base64"
	"strings"
)

// The registries of registries_table.go, decoded once.
var (
	lang2Set, lang3Set, iso6392Set, regionSet = decodeBits(lang2Bits), decodeBits(lang3Bits), decodeBits(iso6392Bits), decodeBits(regionBits)
	charsetSet                                = map[string]bool{}
	charsetFold                               = map[string]string{}
)

func init() {
	for _, n := range strings.Fields(charsetNames) {
		charsetSet[n] = true
		charsetFold[strings.ToLower(n)] = n
	}
}

func decodeBits(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err) // the generated table is malformed
	}
	return b
}

// inBits reports whether the letters of code (any case) are in the set.
func inBits(set []byte, code string) bool {
	i := 0
	for j := 0; j < len(code); j++ {
		c := code[j] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
		i = i*26 + int(c-'a')
	}
	return i/8 < len(set) && set[i/8]&(1<<(i%8)) != 0
}

// grandfathered are the tags RFC 5646 keeps from RFC 3066 that its grammar
// does not produce (section 2.2.8), lowercase.
var grandfathered = map[string]bool{
	"en-gb-oed": true, "i-ami": true, "i-bnn": true, "i-default": true, "i-enochian": true, "i-hak": true,
	"i-klingon": true, "i-lux": true, "i-mingo": true, "i-navajo": true, "i-pwn": true, "i-tao": true,
	"i-tay": true, "i-tsu": true, "sgn-be-fr": true, "sgn-be-nl": true, "sgn-ch-de": true,
	"art-lojban": true, "cel-gaulish": true, "no-bok": true, "no-nyn": true, "zh-guoyu": true,
	"zh-hakka": true, "zh-min": true, "zh-min-nan": true, "zh-xiang": true,
}

// isLangTag reports whether s is a valid RFC 5646 language tag: well formed
// (section 2.1), with a language, extended language, script and region
// subtag that the registries name (ISO 639, ISO 15924, ISO 3166 and the
// private-use ranges). Variants and extensions need only be well formed.
func isLangTag(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	if grandfathered[strings.ToLower(s)] {
		return true
	}
	subs := strings.Split(s, "-")
	for _, sub := range subs {
		if sub == "" || len(sub) > 8 || !isAlnum(sub) {
			return false
		}
	}
	if isPrivateUse(subs) {
		return true
	}
	i := 0
	// language: 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA; only the
	// first is registered.
	if !isAlpha(subs[0]) || !knownLanguage(subs[0]) {
		return false
	}
	i++
	// extlang: up to three ISO 639-3 codes; RFC 5646 permits one.
	if i < len(subs) && len(subs[0]) <= 3 && len(subs[i]) == 3 && isAlpha(subs[i]) {
		if !inBits(lang3Set, subs[i]) {
			return false
		}
		i++
	}
	if i < len(subs) && len(subs[i]) == 4 && isAlpha(subs[i]) {
		if !scriptAligned(strings.ToLower(subs[i])) && !isPrivateScript(subs[i]) {
			return false
		}
		i++
	}
	if i < len(subs) && (len(subs[i]) == 2 && isAlpha(subs[i]) || len(subs[i]) == 3 && isDigits(subs[i])) {
		if len(subs[i]) == 2 && !inBits(regionSet, subs[i]) && !isPrivateRegion(subs[i]) {
			return false
		}
		i++
	}
	seen := map[string]bool{}
	for i < len(subs) && isVariant(subs[i]) {
		v := strings.ToLower(subs[i])
		if seen[v] {
			return false // a variant may not repeat (section 2.2.5)
		}
		seen[v] = true
		i++
	}
	for i < len(subs) && len(subs[i]) == 1 && subs[i] != "x" && subs[i] != "X" {
		single := strings.ToLower(subs[i])
		if seen[single] {
			return false // nor may an extension singleton (section 2.2.6)
		}
		seen[single] = true
		i++
		n := 0
		for i < len(subs) && len(subs[i]) >= 2 {
			i, n = i+1, n+1
		}
		if n == 0 {
			return false
		}
	}
	return i == len(subs) || isPrivateUse(subs[i:])
}

// knownLanguage reports whether a primary language subtag is registered:
// ISO 639-1, an ISO 639-2/3/5 code of a language without an ISO 639-1 code,
// or the private-use range qaa-qtz.
func knownLanguage(s string) bool {
	switch len(s) {
	case 2:
		return inBits(lang2Set, s)
	case 3:
		l := strings.ToLower(s)
		return inBits(lang3Set, l) || l >= "qaa" && l <= "qtz"
	}
	return false
}

// isISO639Code reports whether s is an ISO 639-2 code (terminology or
// bibliographic), which the software SCO's languages also accept.
func isISO639Code(s string) bool { return len(s) == 3 && inBits(iso6392Set, s) }

// scriptAligned reports whether the lowercase script code s is in
// scriptCodes, at a four-letter boundary.
func scriptAligned(s string) bool {
	i := strings.Index(scriptCodes, s)
	for i >= 0 && i%4 != 0 {
		j := strings.Index(scriptCodes[i+1:], s)
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return i >= 0
}

// isPrivateScript: Qaaa-Qabx are for private use (RFC 5646 section 2.2.3).
func isPrivateScript(s string) bool {
	l := strings.ToLower(s)
	return l >= "qaaa" && l <= "qabx"
}

// isPrivateRegion: AA, QM-QZ, XA-XZ and ZZ are for private use (section 2.2.4).
func isPrivateRegion(s string) bool {
	u := strings.ToUpper(s)
	return u == "AA" || u == "ZZ" || u[0] == 'Q' && u[1] >= 'M' || u[0] == 'X'
}

func isPrivateUse(subs []string) bool {
	if len(subs) < 2 || subs[0] != "x" && subs[0] != "X" {
		return false
	}
	return true // the subtags after it are 1 to 8 alphanumerics, checked above
}

// isVariant: 5*8alphanum / (DIGIT 3alphanum).
func isVariant(s string) bool {
	return len(s) >= 5 || len(s) == 4 && s[0] >= '0' && s[0] <= '9'
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// charset checks path_enc and name_enc: STIX requires the name of the IANA
// Character Sets registry, its preferred MIME name where it has one.
func (c *checker) charset(v *value, p *path) {
	if !c.wantString(v, p) || charsetSet[v.s] {
		return
	}
	if n, ok := charsetFold[strings.ToLower(v.s)]; ok {
		c.errf(p, "%q is not a character set name of the IANA registry; it spells it %q", truncate(v.s, 64), n)
		return
	}
	c.errf(p, "%q is not a character set name of the IANA registry (its preferred MIME name, such as \"UTF-8\" or \"Shift_JIS\")", truncate(v.s, 64))
}

// softwareLanguage checks an entry of a software SCO's languages: an RFC
// 5646 tag, or (as the OASIS validator accepts for compatibility, with a
// warning) an ISO 639-2 code.
func (c *checker) softwareLanguage(v *value, p *path) {
	switch {
	case !c.wantString(v, p), isLangTag(v.s):
	case isISO639Code(v.s):
		c.warnf(p, "%q is an ISO 639-2 code; STIX 2.1 asks for an RFC 5646 language tag", v.s)
	default:
		c.errf(p, "%q is not an RFC 5646 language tag", truncate(v.s, 32))
	}
}
