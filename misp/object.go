package misp

import (
	"slices"
	"strconv"
	"strings"
)

// templates says, for the MISP object templates the conversion groups,
// what each object relation becomes in one pattern on one STIX object: the
// path of its comparison ("" for a part the grouped pattern does not need,
// such as the host of a url object, whose url holds it). Objects of other
// templates are converted attribute by attribute.
var templates = map[string]map[string]string{
	"file": {"filename": "file:name", "size-in-bytes": "file:size", "mimetype": "file:mime_type",
		"md5": "", "sha1": "", "sha224": "", "sha256": "", "sha384": "", "sha512": "", "sha3-224": "",
		"sha3-256": "", "sha3-384": "", "sha3-512": "", "ssdeep": "", "tlsh": "", "imphash": "",
		"malware-sample": "", "authentihash": "-", "vhash": "-", "telfhash": "-",
		"entropy": "-", "fullpath": "-", "path": "-", "state": "-", "text": "-", "magic": "-",
		"file-encoding": "-", "attachment": "-", "access-time": "-", "creation-time": "-", "modification-time": "-",
		"compilation-timestamp": "-", "pattern-in-file": "-", "certificate": "-", "dom-hash": "-"},
	"domain-ip": {"domain": "domain-name:value", "hostname": "domain-name:value",
		"ip": "domain-name:resolves_to_refs[*].value", "port": "-", "text": "-", "first-seen": "-",
		"last-seen": "-", "registration-date": "-"},
	"ip-port": {"ip": "network-traffic:dst_ref.value", "ip-dst": "network-traffic:dst_ref.value",
		"ip-src": "network-traffic:src_ref.value", "dst-port": "network-traffic:dst_port",
		"src-port": "network-traffic:src_port", "domain": "-", "hostname": "-", "AS": "-", "text": "-",
		"country-code": "-", "protocol": "-", "first-seen": "-", "last-seen": "-", "ptr-record": "-"},
	"network-connection": {"ip-src": "network-traffic:src_ref.value", "ip-dst": "network-traffic:dst_ref.value",
		"src-port": "network-traffic:src_port", "dst-port": "network-traffic:dst_port",
		"layer4-protocol": "network-traffic:protocols[*]", "hostname-src": "-", "hostname-dst": "-",
		"layer3-protocol": "-", "layer7-protocol": "-", "first-packet-seen": "-", "last-packet-seen": "-",
		"count": "-", "community-id": "-", "mac-src": "-", "mac-dst": "-"},
	"url": {"url": "url:value", "domain": "", "host": "", "ip": "-", "port": "", "scheme": "", "resource_path": "",
		"query_string": "", "fragment": "", "subdomain": "", "tld": "", "domain_without_tld": "",
		"credential": "-", "first-seen": "-", "last-seen": "-", "text": "-"},
	"email": {"from": "email-message:from_ref.value", "to": "email-message:to_refs[*].value",
		"cc": "email-message:cc_refs[*].value", "bcc": "email-message:bcc_refs[*].value",
		"subject": "email-message:subject", "message-id": "email-message:message_id",
		"reply-to":   "email-message:additional_header_fields.'Reply-To'",
		"x-mailer":   "email-message:additional_header_fields.'X-Mailer'",
		"attachment": "email-message:body_multipart[*].body_raw_ref.name", "send-date": "-",
		"from-display-name": "-", "to-display-name": "-", "return-path": "-", "ip-src": "-",
		"received-header-ip": "-", "received-header-hostname": "-", "user-agent": "-", "thread-index": "-",
		"mime-boundary": "-", "header": "-", "email-body": "-", "eml": "-", "screenshot": "-"},
	"x509": {"x509-fingerprint-sha1": "", "x509-fingerprint-md5": "", "x509-fingerprint-sha256": "",
		"serial-number": "x509-certificate:serial_number", "issuer": "x509-certificate:issuer",
		"subject": "x509-certificate:subject", "text": "-", "pem": "-", "raw-base64": "-",
		"validity-not-before": "-", "validity-not-after": "-", "version": "-"},
	"registry-key": {"key": "windows-registry-key:key", "name": "windows-registry-key:values[*].name",
		"data": "windows-registry-key:values[*].data", "data-type": "-", "last-modified": "-",
		"hive": "-", "root-keys": "-"},
}

// objectPart is one attribute of a grouped object: the comparison it adds,
// or the reason it adds none.
type objectPart struct {
	attr    *Attribute
	c       *cmp
	skipped string // "" when c is set or the part is redundant with another
}

// groupObject builds the comparisons of a grouped object. Each relation
// maps to a path (by the table above, or by the attribute's own mapping,
// for "" entries); repeated paths become alternatives. It returns the
// pattern, the parts, and a reason when nothing maps.
func groupObject(o *Object, rel map[string]string) (string, []objectPart, string) {
	var parts []objectPart
	byPath := map[string][]cmp{}
	var order []string
	for i := range o.Attribute {
		a := &o.Attribute[i]
		p := objectPart{attr: a}
		path, known := rel[a.ObjectRelation]
		switch {
		case !known:
			p.skipped = "the relation " + a.ObjectRelation + " of the " + o.Name + " template is not mapped"
		case path == "-":
			p.skipped = "the relation " + a.ObjectRelation + " has no STIX equivalent in a " + o.Name + " pattern"
		case path == "" && o.Name == "url" && a.ObjectRelation != "url":
			// a part of the url, which the url relation carries whole
		default:
			c, why := partCmp(a, path)
			if why != "" {
				p.skipped = why
				break
			}
			if _, seen := byPath[c.path]; !seen {
				order = append(order, c.path)
			}
			byPath[c.path] = append(byPath[c.path], c)
			p.c = &c
		}
		parts = append(parts, p)
	}
	if len(order) == 0 {
		return "", parts, "no attribute of the " + o.Name + " object maps to a pattern"
	}
	types := map[string]bool{}
	var terms []string
	for _, path := range order {
		cs := byPath[path]
		types[cs[0].typ()] = true
		if len(cs) == 1 {
			terms = append(terms, cs[0].String())
			continue
		}
		alts := make([]string, len(cs))
		for i, c := range cs {
			alts[i] = c.String()
		}
		terms = append(terms, "("+strings.Join(alts, " OR ")+")")
	}
	if len(types) > 1 {
		return "", parts, "the " + o.Name + " object's attributes map to several STIX objects"
	}
	return "[" + strings.Join(terms, " AND ") + "]", parts, ""
}

// partCmp is the comparison one attribute of a grouped object adds: its
// own mapping (path ""), or its value at the template's path.
func partCmp(a *Attribute, path string) (cmp, string) {
	v := strings.TrimSpace(a.Value)
	if v == "" {
		return cmp{}, "an empty value"
	}
	if path == "" {
		m, why := mapAttribute(a)
		if why != "" {
			return cmp{}, why
		}
		if len(m.cmps) != 1 {
			return cmp{}, "the type " + a.Type + " does not map to one comparison"
		}
		return m.cmps[0], ""
	}
	switch {
	case strings.HasSuffix(path, "_port") || path == "file:size":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || strings.HasSuffix(path, "_port") && n > 65535 {
			return cmp{}, "the value is not a number"
		}
		return eqInt(path, n), ""
	case strings.HasSuffix(path, "protocols[*]"):
		v = strings.ToLower(v)
	}
	return eq(path, v), ""
}

// standalone lists the attribute types that identify something on their
// own, which an object of an unknown template contributes one by one.
var standalone = []string{"ip-src", "ip-dst", "ip-src|port", "ip-dst|port", "domain", "hostname", "domain|ip",
	"url", "email", "email-src", "email-dst", "md5", "sha1", "sha224", "sha256", "sha384", "sha512",
	"sha3-224", "sha3-256", "sha3-384", "sha3-512", "ssdeep", "tlsh", "filename|md5", "filename|sha1",
	"filename|sha256", "filename|sha512", "malware-sample", "mutex", "regkey", "regkey|value", "mac-address",
	"x509-fingerprint-sha1", "x509-fingerprint-md5", "x509-fingerprint-sha256", "snort", "yara", "sigma",
	"stix2-pattern", "vulnerability", "threat-actor", "campaign-name", "AS", "imphash", "user-agent", "link"}

func isStandalone(t string) bool { return slices.Contains(standalone, t) }
