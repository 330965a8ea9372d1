package feed

import (
	"strconv"
	"strings"
)

// ruleSpec is one rule an observable gives, before its id is set.
type ruleSpec struct {
	component string // the rule's purpose within its indicator
	what      string // for the message: "DNS query evil.example"
	r         rule
}

// specs returns the rules that test for an observable, or the reason there
// are none. Hashes give none: they go to the list files.
func (g *ruleGen) specs(o Observable) ([]ruleSpec, string) {
	switch {
	case o.Kind.IsIP():
		return g.ipRules(o), ""
	case o.Kind == KindDomain:
		return g.domainRules(o.Value)
	case o.Kind == KindURL:
		return g.urlRule(o.Value)
	case o.Kind == KindX509SHA1:
		if g.opt.Dialect == Snort {
			return nil, "Snort rules cannot test certificate fingerprints"
		}
		r := rule{header: g.opt.Action + " tls any any -> " + g.home + " any"}
		fp := fingerprint(o.Value)
		r.add("tls.cert_fingerprint")
		r.add(exact(fp, false)...)
		return []ruleSpec{{component: "tls-cert", what: "TLS certificate " + fp, r: r}}, ""
	case o.Kind == KindEmail:
		return nil, "no rule keyword tests e-mail addresses"
	}
	return nil, ""
}

// fingerprint writes a hex SHA-1 as Suricata shows certificate
// fingerprints: lower-case byte pairs joined by colons.
func fingerprint(h string) string {
	var b strings.Builder
	for i := 0; i+1 < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

func (g *ruleGen) ipRules(o Observable) []ruleSpec {
	protos := []string{o.Proto}
	switch {
	case o.Proto != "":
	case o.Port != 0:
		// A port belongs to a transport; the ip protocol has none.
		protos = []string{"tcp", "udp"}
	default:
		protos = []string{"ip"}
	}
	port := "any"
	if o.Port != 0 {
		port = strconv.Itoa(o.Port)
	}
	var out []ruleSpec
	for _, proto := range protos {
		head := g.opt.Action + " " + proto + " "
		suffix := ""
		if o.Port != 0 {
			suffix = " port " + proto + "/" + port
		}
		to := ruleSpec{component: "to " + proto, what: "traffic to " + o.Value + suffix,
			r: rule{header: head + g.home + " any -> " + o.Value + " " + port}}
		from := ruleSpec{component: "from " + proto, what: "traffic from " + o.Value + suffix,
			r: rule{header: head + o.Value + " " + port + " -> " + g.home + " any"}}
		switch o.Dir {
		case DirDst:
			out = append(out, to)
		case DirSrc:
			out = append(out, from)
		default:
			out = append(out, to, from)
		}
	}
	return out
}

// domainKinds are the rules a domain name gives: a DNS query, a TLS server
// name and an HTTP host. In Suricata each is a sticky buffer; http.host is
// lower-cased by Suricata, which refuses nocase on it.
var domainKinds = []struct {
	component, what, proto, buffer string
	nocase, toServer               bool
}{
	{"dns", "DNS query", "dns", "dns.query", true, false},
	{"tls-sni", "TLS SNI", "tls", "tls.sni", true, false},
	{"http-host", "HTTP host", "http", "http.host", false, true},
}

func (g *ruleGen) domainRules(d string) ([]ruleSpec, string) {
	off := map[string]bool{"dns": g.opt.NoDNS, "tls-sni": g.opt.NoTLS, "http-host": g.opt.NoHTTP}
	var out []ruleSpec
	for _, k := range domainKinds {
		if off[k.component] {
			continue
		}
		s := ruleSpec{component: k.component, what: k.what + " " + d}
		if g.opt.Dialect == Snort {
			s.r = g.snortDomain(k.component, d)
		} else {
			s.r = rule{header: g.opt.Action + " " + k.proto + " " + g.home + " any -> any any"}
			if k.toServer {
				s.r.add("flow:established,to_server")
			}
			s.r.add(k.buffer)
			s.r.add(g.nameMatch(d, k.nocase)...)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, "the DNS, TLS and HTTP rules for domains are all turned off"
	}
	return out, ""
}

// snortDomain writes a domain rule in Snort 2.9's language, which has no
// sticky buffers for these fields: the name is matched as it is written on
// the wire.
func (g *ruleGen) snortDomain(component, d string) rule {
	switch component {
	case "dns":
		wire := dnsWire(d)
		r := rule{header: g.opt.Action + " udp " + g.home + " any -> any 53"}
		r.add(`content:"` + contentOf(wire) + `"`)
		if !g.opt.Subdomains {
			// The question's name starts after the 12-byte DNS header.
			r.add("offset:12", "depth:"+strconv.Itoa(len(wire)))
		}
		r.add("nocase")
		return r
	case "tls-sni":
		r := rule{header: g.opt.Action + " tcp " + g.home + " any -> any any"}
		r.add("flow:established,to_server", "ssl_state:client_hello")
		name := sniEntry(d)
		if g.opt.Subdomains {
			name = "." + d
		}
		r.add(`content:"`+contentOf(name)+`"`, "nocase")
		return r
	}
	r := rule{header: g.opt.Action + " tcp " + g.home + " any -> any any"}
	r.add("flow:established,to_server")
	r.add(snortHost(d, g.opt.Subdomains)...)
	return r
}

// nameMatch matches a host name buffer: exactly, or the name and its
// subdomains (the dotprefix transform puts a dot before the buffer).
func (g *ruleGen) nameMatch(d string, nocase bool) []string {
	if !g.opt.Subdomains {
		return exact(d, nocase)
	}
	out := []string{"dotprefix", `content:"` + contentOf("."+d) + `"`}
	if nocase {
		out = append(out, "nocase")
	}
	return append(out, "endswith")
}

// snortHost matches the Host header line of a request.
func snortHost(hostport string, subdomains bool) []string {
	line := "Host: " + hostport + "\r\n"
	if subdomains {
		line = "." + hostport + "\r\n"
	}
	return []string{`content:"` + contentOf(line) + `"`, "http_header", "nocase"}
}

func (g *ruleGen) urlRule(u string) ([]ruleSpec, string) {
	scheme, rest, _ := strings.Cut(u, "://")
	if scheme != "http" && scheme != "https" {
		return nil, "the URL scheme " + scheme + " is not HTTP"
	}
	hostport, path := rest, "/"
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		hostport, path = rest[:i], rest[i:]
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
	}
	if i := strings.IndexByte(path, '#'); i >= 0 {
		path = path[:i] // a fragment is never sent
	}
	if i := strings.LastIndexByte(hostport, '@'); i >= 0 {
		hostport = hostport[i+1:] // user information is not in the Host header
	}
	host, port := hostport, "any"
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 && !strings.HasSuffix(hostport, "]") {
		host, port = hostport[:i], hostport[i+1:]
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, "the URL port " + port + " is not a port number"
		}
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		return nil, "the URL has no host"
	}
	s := ruleSpec{component: "http-url", what: "URL " + u}
	if g.opt.Dialect == Snort {
		s.r = rule{header: g.opt.Action + " tcp " + g.home + " any -> any " + port}
		s.r.add("flow:established,to_server")
		hp := host
		if port != "any" {
			hp += ":" + port
		}
		s.r.add(snortHost(hp, false)...)
		s.r.add(`content:"`+contentOf(path)+`"`, "http_uri", "urilen:"+strconv.Itoa(len(path)))
		return []ruleSpec{s}, ""
	}
	s.r = rule{header: g.opt.Action + " http " + g.home + " any -> any " + port}
	s.r.add("flow:established,to_server", "http.host")
	s.r.add(exact(host, false)...)
	s.r.add("http.uri")
	s.r.add(exact(path, false)...)
	return []ruleSpec{s}, ""
}
