package misp

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/kizuna-dev/kizuna/stix"
)

// mapped is what one MISP attribute becomes: the comparisons of an
// indicator's pattern and the observables, or a pattern in another
// language, or a domain object, or a reference for the report.
type mapped struct {
	cmps        []cmp
	scos        []sco  // observables; the first is the one the value names
	pattern     string // a pattern in another language, or a STIX pattern as written
	patternType string
	sdo         map[string]any // vulnerability, threat-actor, campaign (without id and common properties)
	link        string         // a URL for the report's external references
}

// sco is a cyber observable: its type and properties, refs to earlier
// observables given as indexes into the same list.
type sco struct {
	typ   string
	props map[string]any
	refs  map[string][]int // property -> indexes of the observables it references
}

// mapAttribute maps one attribute by its type, or says why it cannot.
func mapAttribute(a *Attribute) (*mapped, string) {
	v := strings.TrimSpace(a.Value)
	if v == "" {
		return nil, "an empty value"
	}
	t := strings.ToLower(a.Type)
	if _, ok := hashNames[t]; ok {
		return &mapped{cmps: []cmp{eq("file:hashes."+hashNames[t], v)},
			scos: []sco{{typ: "file", props: map[string]any{"hashes": map[string]any{hashKey(t): v}}}}}, ""
	}
	if alg, ok := strings.CutPrefix(t, "filename|"); ok && hashNames[alg] != "" {
		return fileWithHash(v, alg)
	}
	switch t {
	case "ip-src", "ip-dst":
		return ipAttr(v)
	case "ip-src|port", "ip-dst|port":
		return ipPort(v, t == "ip-src|port")
	case "domain", "hostname":
		return &mapped{cmps: []cmp{eq("domain-name:value", v)}, scos: []sco{{typ: "domain-name", props: map[string]any{"value": v}}}}, ""
	case "domain|ip":
		d, ip, ok := strings.Cut(v, "|")
		addr, err := netip.ParseAddr(ip)
		if !ok || err != nil {
			return nil, "the value is not domain|ip"
		}
		fam := family(addr)
		return &mapped{cmps: []cmp{eq("domain-name:value", d), eq("domain-name:resolves_to_refs[*].value", ip)},
			scos: []sco{{typ: "domain-name", props: map[string]any{"value": d}, refs: map[string][]int{"resolves_to_refs": {1}}},
				{typ: fam, props: map[string]any{"value": ip}}}}, ""
	case "hostname|port":
		h, p, ok := strings.Cut(v, "|")
		port, err := strconv.Atoi(p)
		if !ok || err != nil || port < 0 || port > 65535 {
			return nil, "the value is not hostname|port"
		}
		return &mapped{cmps: []cmp{eq("network-traffic:dst_ref.value", h), eqInt("network-traffic:dst_port", int64(port))},
			scos: []sco{{typ: "domain-name", props: map[string]any{"value": h}}}}, ""
	case "url":
		return &mapped{cmps: []cmp{eq("url:value", v)}, scos: []sco{{typ: "url", props: map[string]any{"value": v}}}}, ""
	case "email", "email-src", "email-dst":
		path := map[string]string{"email": "email-addr:value", "email-src": "email-message:from_ref.value",
			"email-dst": "email-message:to_refs[*].value"}[t]
		return &mapped{cmps: []cmp{eq(path, v)}, scos: []sco{{typ: "email-addr", props: map[string]any{"value": v}}}}, ""
	case "email-subject":
		return &mapped{cmps: []cmp{eq("email-message:subject", v)},
			scos: []sco{{typ: "email-message", props: map[string]any{"is_multipart": false, "subject": v}}}}, ""
	case "filename":
		return &mapped{cmps: []cmp{eq("file:name", v)}, scos: []sco{{typ: "file", props: map[string]any{"name": v}}}}, ""
	case "malware-sample":
		return fileWithHash(v, "md5")
	case "imphash":
		return &mapped{cmps: []cmp{eq("file:extensions.'windows-pebinary-ext'.imphash", v)}}, ""
	case "mutex":
		return &mapped{cmps: []cmp{eq("mutex:name", v)}, scos: []sco{{typ: "mutex", props: map[string]any{"name": v}}}}, ""
	case "regkey":
		v = stix.FullRegistryKey(v)
		return &mapped{cmps: []cmp{eq("windows-registry-key:key", v)}, scos: []sco{{typ: "windows-registry-key", props: map[string]any{"key": v}}}}, ""
	case "regkey|value":
		k, data, ok := strings.Cut(v, "|")
		if !ok {
			return nil, "the value is not key|value"
		}
		k = stix.FullRegistryKey(k)
		return &mapped{cmps: []cmp{eq("windows-registry-key:key", k), eq("windows-registry-key:values[*].data", data)},
			scos: []sco{{typ: "windows-registry-key", props: map[string]any{"key": k, "values": []any{map[string]any{"data": data}}}}}}, ""
	case "user-agent":
		return &mapped{cmps: []cmp{eq("network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'", v)}}, ""
	case "as":
		n, err := strconv.ParseInt(strings.TrimPrefix(strings.ToUpper(v), "AS"), 10, 64)
		if err != nil || n < 0 || n > 4294967295 {
			return nil, "the value is not an AS number"
		}
		return &mapped{cmps: []cmp{eqInt("autonomous-system:number", n)}, scos: []sco{{typ: "autonomous-system", props: map[string]any{"number": n}}}}, ""
	case "mac-address":
		m := strings.ToLower(strings.ReplaceAll(v, "-", ":"))
		return &mapped{cmps: []cmp{eq("mac-addr:value", m)}, scos: []sco{{typ: "mac-addr", props: map[string]any{"value": m}}}}, ""
	case "x509-fingerprint-sha1", "x509-fingerprint-md5", "x509-fingerprint-sha256":
		alg := strings.TrimPrefix(t, "x509-fingerprint-")
		h := strings.ReplaceAll(v, ":", "")
		return &mapped{cmps: []cmp{eq("x509-certificate:hashes."+hashNames[alg], h)},
			scos: []sco{{typ: "x509-certificate", props: map[string]any{"hashes": map[string]any{hashKey(alg): h}}}}}, ""
	case "snort", "yara", "sigma":
		return &mapped{pattern: a.Value, patternType: t}, ""
	case "stix2-pattern":
		return &mapped{pattern: v, patternType: "stix"}, ""
	case "vulnerability":
		return &mapped{sdo: map[string]any{"type": "vulnerability", "name": v,
			"external_references": []any{map[string]any{"source_name": "cve", "external_id": v}}}}, ""
	case "threat-actor":
		return &mapped{sdo: map[string]any{"type": "threat-actor", "name": v}}, ""
	case "campaign-name":
		return &mapped{sdo: map[string]any{"type": "campaign", "name": v}}, ""
	case "link":
		return &mapped{link: v}, ""
	}
	return nil, "no STIX equivalent for the type " + a.Type
}

func fileWithHash(v, alg string) (*mapped, string) {
	name, h, ok := strings.Cut(v, "|")
	if !ok {
		return nil, "the value is not filename|hash"
	}
	return &mapped{cmps: []cmp{eq("file:name", name), eq("file:hashes."+hashNames[alg], h)},
		scos: []sco{{typ: "file", props: map[string]any{"name": name, "hashes": map[string]any{hashKey(alg): h}}}}}, ""
}

func family(a netip.Addr) string {
	if a.Unmap().Is4() {
		return "ipv4-addr"
	}
	return "ipv6-addr"
}

func ipAttr(v string) (*mapped, string) {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return nil, fmt.Sprintf("%q is not a CIDR block", v)
		}
		fam := family(p.Addr())
		return &mapped{cmps: []cmp{subset(fam+":value", v)}, scos: []sco{{typ: fam, props: map[string]any{"value": v}}}}, ""
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return nil, fmt.Sprintf("%q is not an IP address", v)
	}
	fam := family(a)
	return &mapped{cmps: []cmp{eq(fam+":value", v)}, scos: []sco{{typ: fam, props: map[string]any{"value": v}}}}, ""
}

func ipPort(v string, src bool) (*mapped, string) {
	ip, p, ok := strings.Cut(v, "|")
	if !ok { // MISP also accepts ip:port for IPv4
		i := strings.LastIndexByte(v, ':')
		if i < 0 || strings.Count(v, ":") > 1 {
			return nil, "the value is not ip|port"
		}
		ip, p = v[:i], v[i+1:]
	}
	a, err := netip.ParseAddr(ip)
	port, perr := strconv.Atoi(p)
	if err != nil || perr != nil || port < 0 || port > 65535 {
		return nil, "the value is not ip|port"
	}
	end := "dst"
	if src {
		end = "src"
	}
	fam := family(a)
	return &mapped{cmps: []cmp{eq("network-traffic:"+end+"_ref.value", ip), eqInt("network-traffic:"+end+"_port", int64(port))},
		scos: []sco{{typ: fam, props: map[string]any{"value": ip}},
			{typ: "network-traffic", props: map[string]any{end + "_port": port, "protocols": []any{strings.TrimSuffix(fam, "-addr")}},
				refs: map[string][]int{end + "_ref": {0}}}}}, ""
}
