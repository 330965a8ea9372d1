package misp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
)

// Event is a MISP event as MISP exports it (the MISP core format): the
// parts the conversion reads. MISP writes most numbers as strings; the
// flexible types read either.
type Event struct {
	UUID             string        `json:"uuid"`
	Info             string        `json:"info"`
	Date             string        `json:"date"`
	Timestamp        Number        `json:"timestamp"`
	PublishTimestamp Number        `json:"publish_timestamp"`
	Published        Bool          `json:"published"`
	Distribution     *Number       `json:"distribution"`
	SharingGroup     *SharingGroup `json:"SharingGroup"`
	ThreatLevelID    Number        `json:"threat_level_id"`
	Analysis         Number        `json:"analysis"`
	Orgc             Org           `json:"Orgc"`
	Tag              []Tag         `json:"Tag"`
	Attribute        []Attribute   `json:"Attribute"`
	Object           []Object      `json:"Object"`
	Galaxy           []Galaxy      `json:"Galaxy"`
}

// Org is an organisation (Orgc: the event's creator).
type Org struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

// SharingGroup names the sharing group of distribution 4.
type SharingGroup struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

// Tag is a tag, often a machine tag of a MISP taxonomy (tlp:amber).
type Tag struct {
	Name string `json:"name"`
}

// Attribute is one value with its type and category.
type Attribute struct {
	UUID           string        `json:"uuid"`
	Type           string        `json:"type"`
	Category       string        `json:"category"`
	Value          string        `json:"value"`
	Comment        string        `json:"comment"`
	ToIDS          Bool          `json:"to_ids"`
	Deleted        Bool          `json:"deleted"`
	Distribution   *Number       `json:"distribution"`
	SharingGroup   *SharingGroup `json:"SharingGroup"`
	Timestamp      Number        `json:"timestamp"`
	FirstSeen      string        `json:"first_seen"`
	LastSeen       string        `json:"last_seen"`
	ObjectRelation string        `json:"object_relation"`
	Tag            []Tag         `json:"Tag"`
	Galaxy         []Galaxy      `json:"Galaxy"`
}

// Object groups attributes by a MISP object template (file, domain-ip).
type Object struct {
	UUID         string        `json:"uuid"`
	Name         string        `json:"name"`
	MetaCategory string        `json:"meta-category"`
	Comment      string        `json:"comment"`
	Deleted      Bool          `json:"deleted"`
	Distribution *Number       `json:"distribution"`
	SharingGroup *SharingGroup `json:"SharingGroup"`
	Timestamp    Number        `json:"timestamp"`
	Attribute    []Attribute   `json:"Attribute"`
}

// Galaxy holds clusters of one galaxy (threat actors, ATT&CK patterns).
type Galaxy struct {
	UUID          string    `json:"uuid"`
	Name          string    `json:"name"`
	Type          string    `json:"type"`
	GalaxyCluster []Cluster `json:"GalaxyCluster"`
}

// Cluster is one element of a galaxy: an actor, a malware family.
type Cluster struct {
	UUID        string                     `json:"uuid"`
	Type        string                     `json:"type"`
	Value       string                     `json:"value"`
	Description string                     `json:"description"`
	TagName     string                     `json:"tag_name"`
	Meta        map[string]json.RawMessage `json:"meta"`
}

// Number is a MISP number, written as a string or a number.
type Number string

// UnmarshalJSON reads "12", 12 or null.
func (n *Number) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*n = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*n = Number(s)
		return nil
	}
	var f json.Number
	if err := json.Unmarshal(b, &f); err != nil {
		// A type error, so that the decoder adds the field's path.
		return &json.UnmarshalTypeError{Value: clip(string(b)), Type: reflect.TypeFor[Number]()}
	}
	*n = Number(f.String())
	return nil
}

// Int returns the number, and false when it is absent or not an integer.
func (n Number) Int() (int64, bool) {
	v, err := strconv.ParseInt(string(n), 10, 64)
	return v, err == nil
}

// Bool is a MISP boolean: true, false, "1", "0", 1 or 0.
type Bool bool

// UnmarshalJSON reads the forms MISP has written booleans in.
func (v *Bool) UnmarshalJSON(b []byte) error {
	switch string(bytes.TrimSpace(b)) {
	case "true", `"1"`, "1", `"true"`:
		*v = true
	case "false", `"0"`, "0", `"false"`, "null", `""`:
		*v = false
	default:
		return &json.UnmarshalTypeError{Value: clip(string(b)), Type: reflect.TypeFor[Bool]()}
	}
	return nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// MaxEventBytes bounds the size of one event file the reader accepts.
const MaxEventBytes = 256 << 20

// ReadEvents reads MISP events from JSON as MISP writes it: one event
// ({"Event": {...}}), a list of them, a search response ({"response":
// [...]}) or a bare event object. name says where the JSON came from, for
// errors.
func ReadEvents(name string, r io.Reader) ([]*Event, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxEventBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if len(data) > MaxEventBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, MaxEventBytes)
	}
	data = bytes.TrimSpace(data)
	var wrapped []struct {
		Event *Event `json:"Event"`
	}
	switch {
	case len(data) > 0 && data[0] == '[':
		if err := json.Unmarshal(data, &wrapped); err != nil {
			return nil, jsonError(name, data, err)
		}
	default:
		var top struct {
			Event    *Event          `json:"Event"`
			Response json.RawMessage `json:"response"`
			UUID     string          `json:"uuid"`
		}
		if err := json.Unmarshal(data, &top); err != nil {
			return nil, jsonError(name, data, err)
		}
		switch {
		case top.Event != nil:
			return []*Event{top.Event}, nil
		case top.Response != nil:
			if err := json.Unmarshal(top.Response, &wrapped); err != nil {
				return nil, jsonError(name+": response", top.Response, err)
			}
		case top.UUID != "":
			var ev Event
			if err := json.Unmarshal(data, &ev); err != nil {
				return nil, jsonError(name, data, err)
			}
			return []*Event{&ev}, nil
		default:
			return nil, fmt.Errorf("%s: not a MISP event: no Event, response or uuid member", name)
		}
	}
	var out []*Event
	for i, w := range wrapped {
		if w.Event == nil {
			return nil, fmt.Errorf("%s: [%d]: no Event member", name, i)
		}
		out = append(out, w.Event)
	}
	return out, nil
}

// jsonError names the file and, for a syntax or type error, the offset.
func jsonError(name string, data []byte, err error) error {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Errorf("%s: offset %d: %v", name, e.Offset, err)
	case *json.UnmarshalTypeError:
		at := ""
		if e.Offset > 0 {
			at = fmt.Sprintf(" (offset %d)", e.Offset)
		}
		return fmt.Errorf("%s: $.%s%s: want %s, found %s", name, e.Field, at, typeName(e.Type), e.Value)
	}
	return fmt.Errorf("%s: %v", name, err)
}

// typeName names the JSON a Go type reads, for errors.
func typeName(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[Number]():
		return "a number or a string"
	case reflect.TypeFor[Bool]():
		return "a boolean"
	}
	return t.String()
}
