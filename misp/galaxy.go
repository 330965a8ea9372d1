package misp

import (
	"encoding/json"
	"regexp"
	"strings"
)

// sdoType maps a MISP galaxy type to the STIX object its clusters become,
// or "" for galaxies with no STIX equivalent (sectors, countries, ...).
func sdoType(galaxyType string) string {
	g := strings.ToLower(galaxyType)
	switch {
	case strings.Contains(g, "attack-pattern"):
		return "attack-pattern"
	case strings.Contains(g, "intrusion-set"), g == "microsoft-activity-group":
		return "intrusion-set"
	case g == "threat-actor":
		return "threat-actor"
	case strings.Contains(g, "course-of-action"):
		return "course-of-action"
	case strings.Contains(g, "malware"), g == "malpedia", g == "ransomware", g == "banker", g == "rat",
		g == "botnet", g == "stealer", g == "backdoor", g == "android", g == "exploit-kit", g == "cryptominers":
		return "malware"
	case strings.Contains(g, "tool"):
		return "tool"
	}
	return ""
}

// attackID finds an ATT&CK id ("T1566", "T1566.001", "G0007", "S0154") in a
// cluster's value ("Phishing - T1566") or meta.external_id.
var attackIDRe = regexp.MustCompile(`\b([TGSM]\d{4}(?:\.\d{3})?)\b`)

// clusterSDO builds the domain object of a cluster (without id and common
// properties).
func clusterSDO(typ string, c *Cluster) map[string]any {
	name := c.Value
	id := ""
	if m := attackIDRe.FindStringSubmatch(c.Value); m != nil {
		id = m[1]
		name = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(c.Value, m[1])), "-"))
	}
	var ext []string
	if raw, ok := c.Meta["external_id"]; ok && json.Unmarshal(raw, &ext) == nil && len(ext) > 0 && id == "" {
		id = ext[0]
	}
	o := map[string]any{"type": typ, "name": name}
	if c.Description != "" {
		o["description"] = c.Description
	}
	if typ == "malware" {
		o["is_family"] = true
	}
	var syn []string
	if raw, ok := c.Meta["synonyms"]; ok && json.Unmarshal(raw, &syn) == nil && len(syn) > 0 && typ != "course-of-action" {
		o["aliases"] = syn
	}
	gref := map[string]any{"source_name": "misp-galaxy", "description": c.TagName}
	if c.UUID != "" {
		gref["external_id"] = c.UUID
	}
	refs := []any{gref}
	if id != "" {
		refs = append([]any{map[string]any{"source_name": "mitre-attack", "external_id": id}}, refs...)
	}
	o["external_references"] = refs
	return o
}

// galaxyTag reads a galaxy tag, misp-galaxy:TYPE="VALUE".
func galaxyTag(name string) (typ, value string, ok bool) {
	rest, ok := strings.CutPrefix(name, "misp-galaxy:")
	if !ok {
		return "", "", false
	}
	typ, value, ok = strings.Cut(rest, "=")
	if !ok || len(value) < 2 || value[0] != '"' || value[len(value)-1] != '"' {
		return "", "", false
	}
	return typ, value[1 : len(value)-1], true
}
