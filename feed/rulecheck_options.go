package feed

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// splitOptions reads "keyword; keyword: value; ..." where a value ends at
// the first ';' not escaped with a backslash. The last option may lack its
// ';'.
func splitOptions(s string) ([]RuleOption, error) {
	var out []RuleOption
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i == len(s) {
			return out, nil
		}
		start := i
		for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= '0' && s[i] <= '9' || s[i] == '_' || s[i] == '.' || s[i] == '-') {
			i++
		}
		o := RuleOption{Keyword: s[start:i]}
		if o.Keyword == "" {
			return nil, fmt.Errorf("option %d: %q is not a keyword", len(out)+1, clip(s[start:]))
		}
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i < len(s) && s[i] == ':' {
			i++
			vs := i
			for i < len(s) && s[i] != ';' {
				if s[i] == '\\' {
					i++
				}
				i++
			}
			if i > len(s) {
				return nil, fmt.Errorf("%s: the value ends with a lone backslash", o.Keyword)
			}
			o.Value, o.HasValue = strings.TrimSpace(s[vs:i]), true
		}
		if i < len(s) && s[i] != ';' {
			return nil, fmt.Errorf("%s: expected ';' or ':' after the keyword, found %q", o.Keyword, clip(s[i:]))
		}
		if i < len(s) {
			i++
		}
		out = append(out, o)
	}
}

func clip(s string) string {
	if len(s) > 20 {
		return s[:20] + "..."
	}
	return s
}

var flowWords = []string{"established", "not_established", "stateless", "to_server", "from_client",
	"to_client", "from_server", "only_stream", "no_stream", "only_frag", "no_frag"}

// stickyBuffers maps Suricata's sticky buffers to the protocols a rule
// using them must name.
var stickyBuffers = map[string][]string{
	"dns.query": {"dns"}, "tls.sni": {"tls"}, "tls.cert_fingerprint": {"tls"},
	"http.host": {"http", "http1", "http2"}, "http.uri": {"http", "http1", "http2"},
}

// optChecker follows the options of one rule in order.
type optChecker struct {
	d        Dialect
	r        *ParsedRule
	count    map[string]int
	buffer   string // the current sticky buffer
	pending  bool   // a sticky buffer is waiting for its content
	content  bool   // a content has been seen (in the buffer)
	mods     map[string]bool
	maxLen   int // the longest content of the buffer
	contents int // contents in the buffer
}

func checkOptions(d Dialect, r *ParsedRule) error {
	c := &optChecker{d: d, r: r, count: map[string]int{}}
	for _, o := range r.Options {
		if err := c.option(o); err != nil {
			return fmt.Errorf("%s: %w", o.Keyword, err)
		}
		c.count[o.Keyword]++
	}
	if c.pending {
		return fmt.Errorf("%s: a sticky buffer without a content", c.buffer)
	}
	if c.count["sid"] != 1 {
		return fmt.Errorf("sid: given %d times; a rule has exactly one", c.count["sid"])
	}
	for _, k := range []string{"msg", "rev", "classtype", "gid", "priority"} {
		if c.count[k] > 1 {
			return fmt.Errorf("%s: given %d times; a rule has at most one", k, c.count[k])
		}
	}
	return nil
}

func (c *optChecker) option(o RuleOption) error {
	k, v := o.Keyword, o.Value
	needValue := func() error {
		if !o.HasValue || v == "" {
			return errors.New("needs a value")
		}
		return nil
	}
	noValue := func() error {
		if o.HasValue {
			return errors.New("takes no value")
		}
		return nil
	}
	switch k {
	case "msg":
		return quoted(v)
	case "sid", "rev", "gid":
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n == 0 {
			return errors.New("not a number from 1 to 4294967295")
		}
		if k == "sid" {
			c.r.SID = n
		}
		return nil
	case "classtype":
		if !isToken(v) {
			return errors.New("not a classtype name")
		}
		return nil
	case "priority":
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 255 {
			return errors.New("not a number from 1 to 255")
		}
		return nil
	case "reference":
		typ, val, ok := strings.Cut(v, ",")
		if !ok || !isToken(strings.TrimSpace(typ)) || strings.TrimSpace(val) == "" {
			return errors.New("want type,reference")
		}
		return nil
	case "metadata":
		return metadata(v)
	case "flow":
		for _, w := range strings.Split(v, ",") {
			if !contains(flowWords, strings.TrimSpace(w)) {
				return fmt.Errorf("%q is not a flow option", strings.TrimSpace(w))
			}
		}
		return nil
	case "content":
		b, err := contentBytes(v)
		if err != nil {
			return err
		}
		n := len(b)
		if c.buffer == "http.host" && strings.ToLower(string(b)) != string(b) {
			return errors.New("http.host is lower case: a content with upper-case letters never matches")
		}
		c.content, c.pending = true, false
		c.mods = map[string]bool{}
		c.maxLen = max(c.maxLen, n)
		c.contents++
		return nil
	case "nocase", "startswith", "endswith", "fast_pattern", "depth", "offset", "distance", "within", "http_header", "http_uri":
		return c.modifier(k, o, noValue, needValue)
	case "bsize":
		if c.d != Suricata || c.buffer == "" {
			return errors.New("applies to a sticky buffer")
		}
		return c.bsize(v)
	case "urilen":
		if c.d != Snort {
			break
		}
		return intRange(v)
	case "ssl_state":
		if c.d != Snort {
			break
		}
		for _, s := range strings.Split(v, ",") {
			s = strings.TrimPrefix(strings.TrimSpace(s), "!")
			if !contains([]string{"client_hello", "server_hello", "client_keyx", "server_keyx", "unknown"}, s) {
				return fmt.Errorf("%q is not an SSL state", s)
			}
		}
		return nil
	case "dotprefix":
		if c.d != Suricata || c.buffer == "" || c.contents > 0 || !c.pending {
			return errors.New("a transform follows a sticky buffer, before its content")
		}
		return noValue()
	case "filemd5", "filesha1", "filesha256":
		if c.d != Suricata {
			break
		}
		name := strings.TrimPrefix(v, "!")
		if !isFileName(name) {
			return errors.New("want a file name of letters, digits, '.', '-' and '_'")
		}
		return nil
	}
	if protos, ok := stickyBuffers[k]; ok && c.d == Suricata {
		if c.pending {
			return fmt.Errorf("the sticky buffer %s before it has no content", c.buffer)
		}
		if !contains(protos, c.r.Proto) {
			return fmt.Errorf("applies to rules of protocol %s, not %s", strings.Join(protos, " or "), c.r.Proto)
		}
		c.buffer, c.pending, c.content, c.maxLen, c.contents = k, true, false, 0, 0
		return noValue()
	}
	return fmt.Errorf("not a %s keyword the checker knows", c.d)
}

// modifier checks a content modifier: it follows a content, once.
func (c *optChecker) modifier(k string, o RuleOption, noValue, needValue func() error) error {
	if c.d == Snort && (k == "startswith" || k == "endswith") || c.d == Suricata && (k == "http_header" || k == "http_uri") {
		return fmt.Errorf("not a %s keyword the checker knows", c.d)
	}
	if !c.content {
		return errors.New("a content modifier without a content before it")
	}
	if c.mods[k] {
		return errors.New("given twice for one content")
	}
	c.mods[k] = true
	switch k {
	case "nocase":
		if c.buffer == "http.host" {
			return errors.New("http.host is normalised to lower case and refuses nocase")
		}
		return noValue()
	case "startswith", "endswith", "fast_pattern", "http_header", "http_uri":
		if c.mods["startswith"] && (c.mods["depth"] || c.mods["offset"] || c.mods["distance"] || c.mods["within"]) {
			return errors.New("startswith cannot be mixed with depth, offset, distance or within")
		}
		if c.mods["http_header"] && c.mods["http_uri"] {
			return errors.New("a content is in one buffer")
		}
		if k == "fast_pattern" && o.HasValue {
			return nil
		}
		return noValue()
	}
	if err := needValue(); err != nil {
		return err
	}
	if c.mods["startswith"] {
		return errors.New("startswith cannot be mixed with depth, offset, distance or within")
	}
	n, err := strconv.Atoi(o.Value)
	if err != nil || (k != "distance" && n < 0) {
		return errors.New("not a number")
	}
	return nil
}

// bsize reads Suricata's integer forms and checks that every content of
// the buffer fits.
func (c *optChecker) bsize(v string) error {
	_, hi, err := intForms(v)
	if err != nil {
		return err
	}
	if c.maxLen > hi {
		return fmt.Errorf("a content of %d bytes cannot match a buffer of at most %d", c.maxLen, hi)
	}
	return nil
}

func intRange(v string) error {
	_, _, err := intForms(v)
	return err
}

// intForms reads N, =N, <N, >N, <=N, >=N and N<>M, and returns the bounds
// they allow.
func intForms(v string) (lo, hi int, err error) {
	bad := fmt.Errorf("%q: want N, <N, >N, <=N, >=N or N<>M", v)
	num := func(s string) (int, bool) {
		n, err := strconv.Atoi(s)
		return n, err == nil && n >= 0 && s == strconv.Itoa(n)
	}
	if a, b, ok := strings.Cut(v, "<>"); ok {
		x, ok1 := num(a)
		y, ok2 := num(b)
		if !ok1 || !ok2 || x >= y {
			return 0, 0, bad
		}
		return x, y, nil
	}
	for _, op := range []string{"<=", ">=", "=", "<", ">"} {
		if strings.HasPrefix(v, op) {
			n, ok := num(v[len(op):])
			if !ok {
				return 0, 0, bad
			}
			switch op {
			case "<=":
				return 0, n, nil
			case "<":
				return 0, n - 1, nil
			case "=":
				return n, n, nil
			}
			return n, int(^uint(0) >> 1), nil
		}
	}
	n, ok := num(v)
	if !ok {
		return 0, 0, bad
	}
	return n, n, nil
}

// quoted checks a quoted text: ", ; and \ inside are escaped.
func quoted(v string) error {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return errors.New("not a quoted string")
	}
	in := v[1 : len(v)-1]
	for i := 0; i < len(in); i++ {
		switch in[i] {
		case '\\':
			if i+1 == len(in) || strings.IndexByte("\";\\", in[i+1]) < 0 {
				return fmt.Errorf("a backslash before %q: only \\\", \\; and \\\\ are escapes", clip(in[i:]))
			}
			i++
		case '"':
			return errors.New("an unescaped '\"' inside the string")
		default:
			if in[i] < 0x20 || in[i] == 0x7f {
				return errors.New("a control character inside the string")
			}
		}
	}
	return nil
}

// contentBytes checks a content string ([!]"text|hex bytes|text") and
// returns the bytes it matches.
func contentBytes(v string) ([]byte, error) {
	v = strings.TrimPrefix(v, "!")
	if len(v) < 3 || v[0] != '"' || v[len(v)-1] != '"' {
		return nil, errors.New("not a quoted, non-empty content")
	}
	in := v[1 : len(v)-1]
	var out []byte
	hex, digits := false, 0
	for i := 0; i < len(in); i++ {
		ch := in[i]
		switch {
		case ch == '|':
			if hex && digits%2 != 0 {
				return nil, errors.New("an odd number of hex digits")
			}
			hex, digits = !hex, 0
		case hex && ch == ' ':
			if digits%2 != 0 {
				return nil, errors.New("a hex byte of one digit")
			}
		case hex:
			if !isHexDigit(ch) {
				return nil, fmt.Errorf("%q in a hex group", ch)
			}
			digits++
			if digits%2 == 0 {
				out = append(out, unhex(in[i-1])<<4|unhex(ch))
			}
		case ch == '\\':
			if i+1 == len(in) || strings.IndexByte("\";\\:|", in[i+1]) < 0 {
				return nil, errors.New("a backslash that escapes nothing")
			}
			i++
			out = append(out, in[i])
		case ch == '"':
			return nil, errors.New("an unescaped '\"' inside the content")
		case ch < 0x20 || ch >= 0x7f:
			return nil, errors.New("a byte outside printable ASCII not written in hex")
		default:
			out = append(out, ch)
		}
	}
	if hex {
		return nil, errors.New("an unclosed hex group")
	}
	if len(out) == 0 {
		return nil, errors.New("an empty content")
	}
	return out, nil
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// metadata checks "key value, key value": keys are words, values are not
// empty and hold no comma (which would end the item).
func metadata(v string) error {
	for _, item := range strings.Split(v, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(item), " ")
		if !ok || !isMetaKey(key) || strings.TrimSpace(val) == "" {
			return fmt.Errorf("%q: want key value", strings.TrimSpace(item))
		}
		if strings.ContainsAny(val, "\";") {
			return fmt.Errorf("%q: a quote or semicolon in a value", strings.TrimSpace(item))
		}
	}
	return nil
}

func isMetaKey(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return s != ""
}

func isFileName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return s != "" && s[0] != '.'
}
