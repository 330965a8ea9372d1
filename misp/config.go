package misp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna/internal/uuidv5"
)

// Config says how MISP's sharing rules become kizuna markings. The
// operator writes it: which marking-definitions of the node stand for each
// MISP distribution level and each sharing group, and for tags that
// restrict sharing. An event, object or attribute whose distribution,
// sharing group or restricting tag has no entry is not imported (or, with
// Fallback, is imported under the fallback markings): nothing is ever
// imported under a marking wider than its source's.
//
// Example:
//
//	{
//	  "created_by_ref": "identity--...",
//	  "distribution": {
//	    "0": ["marking-definition--... (this organisation only)"],
//	    "1": ["marking-definition--... (the community)"],
//	    "3": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]
//	  },
//	  "sharing_groups": {"5d7a...": ["marking-definition--..."]},
//	  "tags": {"pap:red": ["marking-definition--..."]}
//	}
type Config struct {
	// CreatedByRef is the identity of the importing organisation, the
	// creator of every object the import writes, so that a later import
	// may version them.
	CreatedByRef string `json:"created_by_ref"`
	// Distribution maps the MISP distribution levels 0 (your organisation
	// only), 1 (this community), 2 (connected communities) and 3 (all
	// communities) to marking-definition ids. Level 4 (a sharing group) is
	// mapped by SharingGroups; 5 (inherit the event's) adds nothing. An
	// event without a distribution, as MISP feeds write them, is read as
	// level 0, as MISP itself reads it.
	Distribution map[string][]string `json:"distribution"`
	// SharingGroups maps sharing group UUIDs to marking-definition ids.
	SharingGroups map[string][]string `json:"sharing_groups"`
	// Tags maps tags (case-insensitive) to marking-definition ids. The TLP
	// tags (tlp:clear, tlp:white, tlp:green, tlp:amber, tlp:amber+strict,
	// tlp:red) map to the OASIS TLP 2.0 markings unless listed here.
	Tags map[string][]string `json:"tags"`
	// RestrictingTagPrefixes are tag namespaces that restrict sharing: a
	// tag with one of these prefixes that Tags (or the built-in TLP
	// mapping) does not map refuses what it is on. Default: "tlp:".
	RestrictingTagPrefixes []string `json:"restricting_tag_prefixes"`
	// Fallback, when set, marks what would otherwise be refused for an
	// unmapped distribution, sharing group or tag. It must be at least as
	// restrictive as anything a source may send: the organisation-only
	// marking.
	Fallback []string `json:"fallback"`

	name string
}

// The OASIS TLP 2.0 marking-definitions.
const (
	tlpClear       = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
	tlpGreen       = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	tlpAmber       = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
	tlpAmberStrict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	tlpRed         = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
)

var tlpTags = map[string]string{
	"tlp:clear": tlpClear, "tlp:white": tlpClear, "tlp:green": tlpGreen, "tlp:amber": tlpAmber,
	"tlp:amber+strict": tlpAmberStrict, "tlp:red": tlpRed,
}

// LoadConfig reads and validates a mapping file.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseConfig(path, data)
}

// ParseConfig reads and validates a mapping; name is the file it came
// from, for errors.
func ParseConfig(name string, data []byte) (*Config, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	c.name = name
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Config) errorf(entry, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %s", c.name, entry, fmt.Sprintf(format, args...))
}

func (c *Config) validate() error {
	if !isID(c.CreatedByRef, "identity") {
		return c.errorf("created_by_ref", "%q is not an identity id (identity--UUID)", c.CreatedByRef)
	}
	if len(c.Distribution) == 0 && len(c.SharingGroups) == 0 {
		return c.errorf("distribution", "no distribution level and no sharing group is mapped: nothing could be imported")
	}
	for _, k := range sortedKeys(c.Distribution) {
		if !slices.Contains([]string{"0", "1", "2", "3"}, k) {
			return c.errorf(fmt.Sprintf("distribution[%q]", k), "not a MISP distribution level to map (0, 1, 2 or 3; sharing groups go under sharing_groups)")
		}
		if err := c.markings(fmt.Sprintf("distribution[%q]", k), c.Distribution[k]); err != nil {
			return err
		}
	}
	groups := map[string][]string{}
	for _, k := range sortedKeys(c.SharingGroups) {
		if _, err := uuidv5.Parse(k); err != nil {
			return c.errorf(fmt.Sprintf("sharing_groups[%q]", k), "not a sharing group UUID")
		}
		if err := c.markings(fmt.Sprintf("sharing_groups[%q]", k), c.SharingGroups[k]); err != nil {
			return err
		}
		if _, dup := groups[strings.ToLower(k)]; dup {
			return c.errorf(fmt.Sprintf("sharing_groups[%q]", k), "given twice")
		}
		groups[strings.ToLower(k)] = c.SharingGroups[k]
	}
	c.SharingGroups = groups
	lowered := map[string][]string{}
	for _, k := range sortedKeys(c.Tags) {
		if strings.TrimSpace(k) == "" {
			return c.errorf("tags[\"\"]", "an empty tag")
		}
		if err := c.markings(fmt.Sprintf("tags[%q]", k), c.Tags[k]); err != nil {
			return err
		}
		if _, dup := lowered[strings.ToLower(k)]; dup {
			return c.errorf(fmt.Sprintf("tags[%q]", k), "given twice (tags are compared without case)")
		}
		lowered[strings.ToLower(k)] = c.Tags[k]
	}
	c.Tags = lowered
	if c.RestrictingTagPrefixes == nil {
		c.RestrictingTagPrefixes = []string{"tlp:"}
	}
	for i, p := range c.RestrictingTagPrefixes {
		if strings.TrimSpace(p) == "" {
			return c.errorf(fmt.Sprintf("restricting_tag_prefixes[%d]", i), "an empty prefix would make every tag restricting")
		}
		c.RestrictingTagPrefixes[i] = strings.ToLower(p)
	}
	if c.Fallback != nil {
		if err := c.markings("fallback", c.Fallback); err != nil {
			return err
		}
	}
	return nil
}

// markings checks one list of marking-definition ids: an empty list would
// import objects unmarked, under the collection's default marking.
func (c *Config) markings(entry string, ids []string) error {
	if len(ids) == 0 {
		return c.errorf(entry, "an empty list of markings (an unmarked object takes the collection's default marking, which may be wider)")
	}
	for i, id := range ids {
		if !isID(id, "marking-definition") {
			return c.errorf(fmt.Sprintf("%s[%d]", entry, i), "%q is not a marking-definition id", id)
		}
	}
	return nil
}

func isID(s, typ string) bool {
	rest, ok := strings.CutPrefix(s, typ+"--")
	if !ok {
		return false
	}
	_, err := uuidv5.Parse(rest)
	return err == nil && strings.ToLower(rest) == rest
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
