package feed

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// The rule checker reads rules by the grammar of the Suricata User Guide
// ("Rules Format", "Meta Keywords", "Payload Keywords", the DNS, TLS, HTTP
// and file keyword chapters and "Transformations") and of the Snort 2.9
// manual ("Writing Snort Rules"). It accepts the keywords those chapters
// document for the options the exporters write, and refuses anything else:
// it is the check that the rules a sensor loads are well formed, since no
// sensor runs where the tests do.

var actions = map[Dialect][]string{
	Suricata: {"alert", "pass", "drop", "reject", "rejectsrc", "rejectdst", "rejectboth"},
	Snort:    {"alert", "log", "pass", "activate", "dynamic", "drop", "reject", "sdrop"},
}

var protocols = map[Dialect][]string{
	Suricata: {"ip", "tcp", "udp", "icmp", "icmpv4", "icmpv6", "ipv4", "ip4", "ipv6", "ip6", "pkthdr",
		"ether", "arp", "tcp-pkt", "tcp-stream", "http", "http1", "http2", "tls", "quic", "ftp", "ftp-data",
		"smb", "dns", "doh2", "mdns", "dcerpc", "ldap", "dhcp", "ssh", "smtp", "imap", "pop3", "modbus",
		"dnp3", "enip", "nfs", "ike", "krb5", "bittorrent-dht", "mqtt", "ntp", "rfb", "rdp", "snmp", "tftp",
		"sip", "telnet", "websocket", "pgsql"},
	Snort: {"tcp", "udp", "icmp", "ip"},
}

// CheckRules checks every line of a rules file: comments and blank lines,
// and rules that CheckRule accepts, with no rule id given twice. The error
// lists every problem, each with its line number.
func CheckRules(d Dialect, r io.Reader) error {
	var errs []error
	sids := map[uint64]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ru, err := ParseRule(d, line)
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", n, err))
			continue
		}
		if prev, dup := sids[ru.SID]; dup {
			errs = append(errs, fmt.Errorf("line %d: sid %d is already the sid of line %d", n, ru.SID, prev))
		}
		sids[ru.SID] = n
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// CheckRule checks one rule.
func CheckRule(d Dialect, line string) error {
	_, err := ParseRule(d, line)
	return err
}

// ParsedRule is a rule as the checker read it.
type ParsedRule struct {
	Action, Proto, Src, SrcPort, Dir, Dst, DstPort string
	Options                                        []RuleOption
	SID                                            uint64
}

// RuleOption is one option: a keyword and its value ("" for none).
type RuleOption struct {
	Keyword, Value string
	HasValue       bool
}

// Value returns the value of the first option with the keyword.
func (r *ParsedRule) Value(keyword string) (string, bool) {
	for _, o := range r.Options {
		if o.Keyword == keyword {
			return o.Value, true
		}
	}
	return "", false
}

// ParseRule reads one rule: action, header, and options in parentheses.
func ParseRule(d Dialect, line string) (*ParsedRule, error) {
	open := strings.IndexByte(line, '(')
	if open < 0 {
		return nil, errors.New("no options: a rule is action, header and (options)")
	}
	rest := strings.TrimRight(line[open+1:], " \t")
	if !strings.HasSuffix(rest, ")") {
		return nil, errors.New("the options do not end with ')'")
	}
	fields, err := headerFields(line[:open])
	if err != nil {
		return nil, err
	}
	if len(fields) != 7 {
		return nil, fmt.Errorf("the header has %d fields; want action protocol source port direction destination port", len(fields))
	}
	r := &ParsedRule{Action: fields[0], Proto: fields[1], Src: fields[2], SrcPort: fields[3], Dir: fields[4], Dst: fields[5], DstPort: fields[6]}
	if !contains(actions[d], r.Action) {
		return nil, fmt.Errorf("action %q is not a %s action", r.Action, d)
	}
	if !contains(protocols[d], r.Proto) {
		return nil, fmt.Errorf("protocol %q is not a %s rule protocol", r.Proto, d)
	}
	if r.Dir != "->" && r.Dir != "<>" && !(d == Suricata && r.Dir == "=>") {
		return nil, fmt.Errorf("direction %q: want -> or <>", r.Dir)
	}
	for _, a := range []string{r.Src, r.Dst} {
		if err := checkAddress(a, d); err != nil {
			return nil, fmt.Errorf("address %q: %v", a, err)
		}
	}
	for _, p := range []string{r.SrcPort, r.DstPort} {
		if err := checkPort(p); err != nil {
			return nil, fmt.Errorf("port %q: %v", p, err)
		}
		if p != "any" && (r.Proto == "ip" || strings.HasPrefix(r.Proto, "icmp")) {
			return nil, fmt.Errorf("port %q: the protocol %s has no ports", p, r.Proto)
		}
	}
	if r.Options, err = splitOptions(rest[:len(rest)-1]); err != nil {
		return nil, err
	}
	if err := checkOptions(d, r); err != nil {
		return nil, err
	}
	return r, nil
}

// headerFields splits the header on white space outside brackets.
func headerFields(h string) ([]string, error) {
	var out []string
	depth, start := 0, -1
	for i := 0; i <= len(h); i++ {
		if i == len(h) || (h[i] == ' ' || h[i] == '\t') && depth == 0 {
			if start >= 0 {
				out = append(out, h[start:i])
				start = -1
			}
			continue
		}
		switch h[i] {
		case '[':
			depth++
		case ']':
			depth--
			if depth < 0 {
				return nil, errors.New("unbalanced ']' in the header")
			}
		}
		if start < 0 {
			start = i
		}
	}
	if depth != 0 {
		return nil, errors.New("unbalanced '[' in the header")
	}
	return out, nil
}

// checkAddress reads any, a $VARIABLE, an address or CIDR block, !address,
// or a [group, of, addresses].
func checkAddress(a string, d Dialect) error {
	switch {
	case a == "any":
		return nil
	case strings.HasPrefix(a, "!"):
		if a[1:] == "any" {
			return errors.New("!any matches nothing")
		}
		return checkAddress(a[1:], d)
	case strings.HasPrefix(a, "$"):
		if !isVar(a[1:]) {
			return errors.New("not a variable name")
		}
		return nil
	case strings.HasPrefix(a, "["):
		return checkGroup(a, func(s string) error { return checkAddress(s, d) })
	case strings.Contains(a, "/"):
		p, err := netip.ParsePrefix(a)
		if err != nil || p.Addr().Zone() != "" {
			return errors.New("not a CIDR block")
		}
		return nil
	}
	if ad, err := netip.ParseAddr(a); err != nil || ad.Zone() != "" {
		return errors.New("not an address, a CIDR block, any or a variable")
	}
	return nil
}

// checkPort reads any, a $VARIABLE, a port, a range lo:hi, lo: or :hi,
// !port, or a [group].
func checkPort(p string) error {
	switch {
	case p == "any":
		return nil
	case strings.HasPrefix(p, "!"):
		return checkPort(p[1:])
	case strings.HasPrefix(p, "$"):
		if !isVar(p[1:]) {
			return errors.New("not a variable name")
		}
		return nil
	case strings.HasPrefix(p, "["):
		return checkGroup(p, checkPort)
	}
	lo, hi, isRange := strings.Cut(p, ":")
	l, errl := portNumber(strings.TrimSpace(lo), isRange)
	h, errh := portNumber(strings.TrimSpace(hi), true)
	if errl != nil || isRange && errh != nil || isRange && lo == "" && hi == "" {
		return errors.New("not a port, a range, any or a variable")
	}
	if isRange && hi != "" && lo != "" && l > h {
		return errors.New("the range's first port is above its last")
	}
	return nil
}

func portNumber(s string, mayBeEmpty bool) (int, error) {
	if s == "" && mayBeEmpty {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 65535 || s != strconv.Itoa(n) {
		return 0, errors.New("bad port")
	}
	return n, nil
}

// checkGroup checks each element of "[a, b, [c, d]]".
func checkGroup(g string, each func(string) error) error {
	if !strings.HasSuffix(g, "]") || len(g) < 3 {
		return errors.New("an unclosed or empty group")
	}
	inner := g[1 : len(g)-1]
	depth, start := 0, 0
	for i := 0; i <= len(inner); i++ {
		if i < len(inner) {
			switch inner[i] {
			case '[':
				depth++
				continue
			case ']':
				depth--
				continue
			case ',':
				if depth > 0 {
					continue
				}
			default:
				continue
			}
		}
		elem := strings.TrimSpace(inner[start:i])
		if elem == "" {
			return errors.New("an empty element in a group")
		}
		if err := each(elem); err != nil {
			return err
		}
		start = i + 1
	}
	return nil
}

func isVar(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
