package stix

var sroSpecs = map[string]*typeSpec{
	"relationship": {shape: shape{required: []string{"relationship_type", "source_ref", "target_ref"}, props: map[string]prop{
		"relationship_type": pString, "description": pString,
		"source_ref": ref("SDO", "SCO"), "target_ref": ref("SDO", "SCO"),
		"start_time": pTimestamp, "stop_time": pTimestamp},
		check: func(c *checker, v *value, p *path) {
			if rt := v.get("relationship_type"); rt != nil && rt.kind == kString && !isRelationshipType(rt.s) {
				q := p.child("relationship_type")
				c.errf(&q, "must be 1 to 250 characters of a-z, 0-9 and '-'")
			}
			c.order(v, p, "start_time", "stop_time", true)
		}}},
	"sighting": {shape: shape{required: []string{"sighting_of_ref"}, props: map[string]prop{
		"description": pString, "first_seen": pTimestamp, "last_seen": pTimestamp,
		"count": intRange(0, 999999999), "sighting_of_ref": ref("SDO"),
		"observed_data_refs": refs("observed-data"), "where_sighted_refs": refs("identity", "location"),
		"summary": pBool},
		check: ordered("first_seen", "last_seen", false)}},
}

// isRelationshipType: STIX 2.1 limits relationship types to a-z, 0-9 and
// '-' and sets no minimum length (the limit of 250 is that of all names).
func isRelationshipType(s string) bool { return isLowerName(s, 1, '-') }
