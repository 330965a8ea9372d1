package stix

import (
	"strings"
	"time"
)

// ordered returns a check that the timestamp later is after (strict) or not
// before the timestamp earlier.
func ordered(earlier, later string, strict bool) func(c *checker, v *value, p *path) {
	return func(c *checker, v *value, p *path) { c.order(v, p, earlier, later, strict) }
}

// order checks that the timestamp later is after (strict) or not before
// the timestamp earlier, when both are present and valid.
func (c *checker) order(v *value, p *path, earlier, later string, strict bool) {
	ev := v.get(earlier)
	a, b := tsOf(ev), tsOf(v.get(later))
	if a.IsZero() || b.IsZero() {
		return
	}
	q := p.child(later)
	if strict && !b.After(a) {
		c.errf(&q, "must be later than %s (%s)", earlier, ev.s)
	} else if !strict && b.Before(a) {
		c.errf(&q, "must be later than or equal to %s (%s)", earlier, ev.s)
	}
}

func tsOf(v *value) time.Time {
	if v == nil || v.kind != kString {
		return time.Time{}
	}
	t, _ := ParseTimestamp(v.s)
	return t
}

var named = map[string]prop{"name": pString, "description": pString}

var sdoSpecs = map[string]*typeSpec{
	"attack-pattern": {shape: shape{required: []string{"name"}, props: merge(named, map[string]prop{
		"aliases": pStrings, "kill_chain_phases": pKillChain})}},
	"campaign": {shape: shape{required: []string{"name"}, props: merge(named, map[string]prop{
		"aliases": pStrings, "first_seen": pTimestamp, "last_seen": pTimestamp, "objective": pString}),
		check: ordered("first_seen", "last_seen", false)}},
	"course-of-action": {shape: shape{required: []string{"name"}, props: merge(named, map[string]prop{
		"action_type": pReserved, "os_execution_envs": pReserved, "action_bin": pReserved,
		"action_reference": pReserved})}},
	"grouping": {shape: shape{required: []string{"context", "object_refs"}, props: merge(named, map[string]prop{
		"context": ov(vocabGroupingContext...), "object_refs": pAnyRefs})}},
	"identity": {shape: shape{required: []string{"name"}, props: merge(named, map[string]prop{
		"roles": pStrings, "identity_class": ov(vocabIdentityClass...), "sectors": ovs(vocabIndustrySector...),
		"contact_information": pString})}},
	"incident": {shape: shape{required: []string{"name"}, props: merge(named, map[string]prop{
		"kill_chain_phases": pKillChain})}},
	"indicator": {shape: shape{required: []string{"pattern", "pattern_type", "valid_from"}, props: merge(named, map[string]prop{
		"indicator_types": ovs(vocabIndicatorType...), "pattern": pString, "pattern_type": ov(vocabPatternType...),
		"pattern_version": pString, "valid_from": pTimestamp, "valid_until": pTimestamp,
		"kill_chain_phases": pKillChain}),
		check: checkIndicator}},
	"infrastructure": {shape: shape{required: []string{"name"}, props: merge(named, map[string]prop{
		"infrastructure_types": ovs(vocabInfrastructureType...), "aliases": pStrings,
		"kill_chain_phases": pKillChain, "first_seen": pTimestamp, "last_seen": pTimestamp}),
		check: ordered("first_seen", "last_seen", false)}},
	"intrusion-set": {shape: shape{required: []string{"name"}, props: merge(named, map[string]prop{
		"aliases": pStrings, "first_seen": pTimestamp, "last_seen": pTimestamp, "goals": pStrings,
		"resource_level": ov(vocabAttackResourceLevel...), "primary_motivation": ov(vocabAttackMotivation...),
		"secondary_motivations": ovs(vocabAttackMotivation...)}),
		check: ordered("first_seen", "last_seen", false)}},
	"location": {shape: shape{props: merge(named, map[string]prop{
		"latitude": floatRange(-90, 90), "longitude": floatRange(-180, 180), "precision": pFloatAny,
		"region": ov(vocabRegion...), "country": pString, "administrative_area": pString, "city": pString,
		"street_address": pString, "postal_code": pString}),
		check: checkLocation}},
	"malware": {shape: shape{required: []string{"is_family"}, props: merge(named, map[string]prop{
		"malware_types": ovs(vocabMalwareType...), "is_family": pBool, "aliases": pStrings,
		"kill_chain_phases": pKillChain, "first_seen": pTimestamp, "last_seen": pTimestamp,
		"operating_system_refs": refs("software"), "architecture_execution_envs": ovs(vocabProcessorArchitecture...),
		"implementation_languages": ovs(vocabImplementationLanguage...), "capabilities": ovs(vocabMalwareCapabilities...), "sample_refs": refs("file", "artifact")}),
		check: checkMalware}},
	"malware-analysis": {shape: shape{required: []string{"product"}, props: map[string]prop{
		"product": pString, "version": pString, "host_vm_ref": ref("software"),
		"operating_system_ref": ref("software"), "installed_software_refs": refs("software"),
		"configuration_version": pString, "modules": pStrings, "analysis_engine_version": pString,
		"analysis_definition_version": pString, "submitted": pTimestamp, "analysis_started": pTimestamp,
		"analysis_ended": pTimestamp, "result_name": pString, "result": ov(vocabMalwareResult...),
		"analysis_sco_refs": refs("SCO"), "sample_ref": ref("file", "artifact", "network-traffic")},
		check: func(c *checker, v *value, p *path) {
			if v.get("result") == nil && v.get("analysis_sco_refs") == nil {
				c.errf(p, "a malware-analysis needs result or analysis_sco_refs")
			}
			c.order(v, p, "analysis_started", "analysis_ended", false)
		}}},
	"note": {shape: shape{required: []string{"content", "object_refs"}, props: map[string]prop{
		"abstract": pString, "content": pString, "authors": pStrings, "object_refs": pAnyRefs}}},
	"observed-data": {shape: shape{required: []string{"first_observed", "last_observed", "number_observed"}, props: map[string]prop{
		"first_observed": pTimestamp, "last_observed": pTimestamp, "number_observed": intRange(1, 999999999),
		"objects": pDict, "object_refs": refs("SCO", "SRO")},
		check: checkObservedData}},
	"opinion": {shape: shape{required: []string{"opinion", "object_refs"}, props: map[string]prop{
		"explanation": pString, "authors": pStrings, "opinion": enum(vocabOpinion...), "object_refs": pAnyRefs}}},
	"report": {shape: shape{required: []string{"name", "published", "object_refs"}, props: merge(named, map[string]prop{
		"report_types": ovs(vocabReportType...), "published": pTimestamp, "object_refs": pAnyRefs})}},
	"threat-actor": {shape: shape{required: []string{"name"}, props: merge(named, map[string]prop{
		"threat_actor_types": ovs(vocabThreatActorType...), "aliases": pStrings, "first_seen": pTimestamp,
		"last_seen": pTimestamp, "roles": ovs(vocabThreatActorRole...), "goals": pStrings,
		"sophistication": ov(vocabThreatActorSophistication...), "resource_level": ov(vocabAttackResourceLevel...),
		"primary_motivation": ov(vocabAttackMotivation...), "secondary_motivations": ovs(vocabAttackMotivation...),
		"personal_motivations": ovs(vocabAttackMotivation...)}),
		check: ordered("first_seen", "last_seen", false)}},
	"tool": {shape: shape{required: []string{"name"}, props: merge(named, map[string]prop{
		"tool_types": ovs(vocabToolType...), "aliases": pStrings, "kill_chain_phases": pKillChain,
		"tool_version": pString})}},
	"vulnerability": {shape: shape{required: []string{"name"}, props: named}},
}

// checkLocation applies the location rules: one of region, country or
// latitude and longitude; latitude and longitude together; precision only
// with both.
func checkLocation(c *checker, v *value, p *path) {
	lat, lon := v.get("latitude") != nil, v.get("longitude") != nil
	if v.get("region") == nil && v.get("country") == nil && !(lat && lon) {
		c.errf(p, "a location needs region, country, or latitude and longitude")
	}
	if lat != lon {
		q := p.child("longitude")
		if !lat {
			q = p.child("latitude")
		}
		c.errf(&q, "latitude and longitude must be present together")
	}
	if pv := v.get("precision"); pv != nil {
		q := p.child("precision")
		if !(lat && lon) {
			c.errf(&q, "precision needs latitude and longitude")
		}
		if pv.kind == kNumber && strings.HasPrefix(pv.s, "-") {
			c.warnf(&q, "a precision is a distance in meters and should not be negative")
		}
	}
	if cv := v.get("country"); cv != nil && cv.kind == kString && !isCountryCode(cv.s) {
		q := p.child("country")
		c.warnf(&q, "should be an ISO 3166-1 alpha-2 country code")
	}
}

func isCountryCode(s string) bool {
	return len(s) == 2 && (s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z') &&
		(s[1] >= 'A' && s[1] <= 'Z' || s[1] >= 'a' && s[1] <= 'z')
}

func checkMalware(c *checker, v *value, p *path) {
	if f := v.get("is_family"); f != nil && f.kind == kBool && f.b && v.get("name") == nil {
		q := p.child("name")
		c.errf(&q, "is required when is_family is true")
	}
	c.order(v, p, "first_seen", "last_seen", false)
}

// checkObservedData applies the observed-data rules: last_observed not
// before first_observed, and exactly one of objects (deprecated) and
// object_refs.
func checkObservedData(c *checker, v *value, p *path) {
	c.order(v, p, "first_observed", "last_observed", false)
	objs, refs := v.get("objects"), v.get("object_refs")
	switch {
	case objs == nil && refs == nil:
		c.errf(p, "an observed-data needs object_refs (or the deprecated objects)")
	case objs != nil && refs != nil:
		q := p.child("objects")
		c.errf(&q, "objects and object_refs must not both be present")
	case objs != nil:
		q := p.child("objects")
		c.warnf(&q, "is deprecated in STIX 2.1; use object_refs")
	}
}
