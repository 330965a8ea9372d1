package feed

import (
	"strconv"
	"strings"
)

// contentOf writes bytes as a rule's content string: printable ASCII as it
// is, and everything else, with the characters the rule languages give a
// meaning to (" ; : | \), as |XX| hex groups.
func contentOf(s string) string {
	var b strings.Builder
	inHex := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		plain := c >= 0x20 && c < 0x7f && strings.IndexByte("\";:|\\", c) < 0
		switch {
		case plain && inHex:
			b.WriteByte('|')
			inHex = false
		case !plain && !inHex:
			b.WriteByte('|')
			inHex = true
		case !plain:
			b.WriteByte(' ')
		}
		if plain {
			b.WriteByte(c)
		} else {
			b.WriteByte(hexUpper[c>>4])
			b.WriteByte(hexUpper[c&15])
		}
	}
	if inHex {
		b.WriteByte('|')
	}
	return b.String()
}

// quoteText writes free text (msg) as a quoted rule string: the characters
// the documentation says must be escaped (" ; \) are escaped, control
// characters become spaces.
func quoteText(s string) string {
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c >= 0x20 && c < 0x7f && c != '"' && c != ';' && c != '\\'
	}
	if plain {
		return `"` + s + `"`
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == ';' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || r == 0xfffd:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// dnsWire is a domain name as it is written in a DNS question: each label
// after its length byte, ending with the empty root label.
func dnsWire(domain string) string {
	var b strings.Builder
	for _, l := range strings.Split(domain, ".") {
		b.WriteByte(byte(len(l)))
		b.WriteString(l)
	}
	b.WriteByte(0)
	return b.String()
}

// sniEntry is a host name as it is written in the server_name extension of
// a TLS ClientHello: name type 0 (host_name) and a two-byte length.
func sniEntry(host string) string {
	return string([]byte{0, byte(len(host) >> 8), byte(len(host))}) + host
}

// rule builds one rule's text.
type rule struct {
	header string
	opts   []string
}

func (r *rule) add(opts ...string) { r.opts = append(r.opts, opts...) }

func (r *rule) text(msg string, meta []string, classtype string, sid uint32, rev int64) string {
	var b strings.Builder
	size := len(r.header) + len(msg) + len(classtype) + 64
	for _, o := range r.opts {
		size += len(o) + 2
	}
	for _, m := range meta {
		size += len(m) + 2
	}
	b.Grow(size)
	b.WriteString(r.header)
	b.WriteString(" (msg:")
	b.WriteString(quoteText(msg))
	b.WriteString(";")
	for _, o := range r.opts {
		b.WriteByte(' ')
		b.WriteString(o)
		b.WriteByte(';')
	}
	if len(meta) > 0 {
		b.WriteString(" metadata:")
		b.WriteString(strings.Join(meta, ", "))
		b.WriteByte(';')
	}
	if classtype != "" {
		b.WriteString(" classtype:")
		b.WriteString(classtype)
		b.WriteByte(';')
	}
	b.WriteString(" sid:")
	b.WriteString(strconv.FormatUint(uint64(sid), 10))
	b.WriteString("; rev:")
	b.WriteString(strconv.FormatInt(rev, 10))
	b.WriteString(";)")
	return b.String()
}

// exact is the content options that match a whole sticky buffer.
func exact(value string, nocase bool) []string {
	out := []string{`content:"` + contentOf(value) + `"`}
	if nocase {
		out = append(out, "nocase")
	}
	return append(out, "bsize:"+strconv.Itoa(len(value)))
}
