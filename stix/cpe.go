package stix

import "regexp"

// cpe23 is the formatted string binding of CPE 2.3 (NISTIR 7695, section
// 6.2): "cpe:2.3:" and eleven attributes, each a quoted value with optional
// wildcards, "*" or "-"; the language attribute an RFC 5646 language and
// region or "*" or "-".
var cpe23 = func() *regexp.Regexp {
	const (
		punct = `\\[\\*?!"#$%&'()+,/:;<=>@\[\]^` + "`" + `{|}~]`
		value = `(?:(?:\?*|\*?)(?:[a-zA-Z0-9\-._]|` + punct + `)+(?:\?*|\*?)|[*\-])`
		lang  = `(?:[a-zA-Z]{2,3}(?:-(?:[a-zA-Z]{2}|[0-9]{3}))?|[*\-])`
	)
	return regexp.MustCompile(`^cpe:2\.3:[aho*\-](?::` + value + `){5}:` + lang + `(?::` + value + `){4}$`)
}()

// checkCPE requires the software SCO's cpe to be a CPE 2.3 formatted
// string, as STIX 2.1 does.
func checkCPE(c *checker, v *value, p *path) {
	s := v.get("cpe")
	if s == nil || s.kind != kString || cpe23.MatchString(s.s) {
		return
	}
	q := p.child("cpe")
	c.errf(&q, "%q is not a CPE 2.3 formatted string (cpe:2.3:part:vendor:product:version:update:edition:language:sw_edition:target_sw:target_hw:other)", truncate(s.s, 80))
}
