package stix

import "strings"

// isTypeName reports whether s is a STIX type name: 3 to 250 characters of
// a-z, 0-9 and '-', starting with a letter, with no "--" and no trailing
// hyphen (either would make identifiers ambiguous).
func isTypeName(s string) bool {
	if len(s) < 3 || len(s) > 250 || s[0] < 'a' || s[0] > 'z' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-':
			if s[i-1] == '-' {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// isLangTag is a structural check of an RFC 5646 language tag: subtags of
// 1 to 8 letters or digits separated by '-', the first of letters only.
func isLangTag(s string) bool {
	if s == "" {
		return false
	}
	for i, sub := range strings.Split(s, "-") {
		if len(sub) < 1 || len(sub) > 8 {
			return false
		}
		for j := 0; j < len(sub); j++ {
			ch := sub[j]
			letter := ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z'
			if !letter && (i == 0 || !(ch >= '0' && ch <= '9')) {
				return false
			}
		}
	}
	return true
}
