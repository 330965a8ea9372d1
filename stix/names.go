package stix

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
