package stix

// checkExternalReference applies the rules of STIX 2.1 section 2.5 that tie
// an external reference's properties together: one of description, url and
// external_id besides source_name; a CVE or CAPEC reference named by
// source_name "cve" or "capec" with an identifier in that catalogue's form,
// and such identifiers only under those names; hashes keyed by
// hash-algorithm-ov alone.
func checkExternalReference(c *checker, v *value, p *path) {
	if v.get("description") == nil && v.get("url") == nil && v.get("external_id") == nil {
		c.errf(p, "an external reference needs description, url or external_id besides source_name")
	}
	source, id := v.get("source_name"), v.get("external_id")
	if source != nil && source.kind == kString {
		sp, ip := p.child("source_name"), p.child("external_id")
		eid := stringOf(id)
		switch source.s {
		case "cve":
			if id == nil {
				c.errf(&ip, "is required when source_name is \"cve\"")
			} else if id.kind == kString && !isCVE(eid) {
				c.errf(&ip, "%q is not a CVE identifier (CVE-YYYY-NNNN, four or more digits)", truncate(eid, 40))
			}
		case "capec":
			if id == nil {
				c.errf(&ip, "is required when source_name is \"capec\"")
			} else if id.kind == kString && !isCAPEC(eid) {
				c.errf(&ip, "%q is not a CAPEC identifier (CAPEC-N)", truncate(eid, 40))
			}
		default:
			if isCVE(eid) {
				c.errf(&sp, "a CVE identifier in external_id needs source_name \"cve\"")
			} else if isCAPEC(eid) {
				c.errf(&sp, "a CAPEC identifier in external_id needs source_name \"capec\"")
			}
		}
	}
	if h := v.get("hashes"); h != nil && h.kind == kObject {
		hp := p.child("hashes")
		for i := range h.obj {
			if _, ok := hashLengths[h.obj[i].key]; !ok && h.obj[i].key != "SSDEEP" && h.obj[i].key != "TLSH" {
				q := hp.child(h.obj[i].key)
				c.errf(&q, "an external reference's hashes must be keyed by hash-algorithm-ov (MD5, SHA-1, SHA-256, SHA-512, SHA3-256, SHA3-512, SSDEEP, TLSH)")
			}
		}
	}
}

// isCVE: "CVE-", a four-digit year, "-", and a number of four digits, or
// more without a leading zero.
func isCVE(s string) bool {
	if len(s) < 13 || s[:4] != "CVE-" || !isDigits(s[4:8]) || s[8] != '-' || !isDigits(s[9:]) {
		return false
	}
	return len(s) == 13 || s[9] != '0'
}

// isCAPEC: "CAPEC-" and a number.
func isCAPEC(s string) bool {
	return len(s) > 6 && s[:6] == "CAPEC-" && isDigits(s[6:])
}
