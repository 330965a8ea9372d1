package policy

import (
	_ "embed"
	"encoding/json"
	"strings"
	"sync"

	"github.com/kizuna-dev/kizuna/stix"
)

// tlpDefinitions are the official definitions of the TLP marking ids: the
// STIX 2.1 predefined TLP 1.0 markings (section 7.2.1.4) and the OASIS TLP
// 2.0 markings (oasis-open/cti-stix-common-objects).
//
//go:embed defaults/tlp-markings.json
var tlpDefinitions []byte

// Reserved ids are canonical objects every node knows: the TLP markings,
// kizuna's extension-definition and the project identity that created it,
// and the shipped "REL TO <nation>" markings of every nation. Their content
// is fixed: no principal (nor the operator) may store any other content
// under them, and a copy of the canonical content is everyone's to store
// (it changes nothing, and lets a collection carry the definitions its
// objects use).
type reserved struct {
	once   sync.Once
	hashes map[string]string // id -> canonical Hash

	relOnce sync.Once
	rel     map[[16]byte]string // the UUID of each "REL TO <nation>" marking -> nation
	relMu   sync.Mutex
	relHash map[string]string // nation -> canonical Hash, computed on demand
}

var reservedIDs reserved

// canonicalHash returns the Hash of the canonical content of a reserved id,
// and whether the id is reserved.
func canonicalHash(id string) (string, bool) {
	r := &reservedIDs
	r.once.Do(r.load)
	if h, ok := r.hashes[id]; ok {
		return h, true
	}
	nation, ok := r.relNation(id)
	if !ok {
		return "", false
	}
	r.relMu.Lock()
	defer r.relMu.Unlock()
	if h, ok := r.relHash[nation]; ok {
		return h, true
	}
	objs, _, err := DefaultMarkings(nation)
	if err != nil {
		return "", true // reserved, with no content anyone can match
	}
	h := hashOf(objs[0])
	r.relHash[nation] = h
	return h, true
}

func (r *reserved) load() {
	r.hashes = map[string]string{}
	r.relHash = map[string]string{}
	var tlps []json.RawMessage
	if err := json.Unmarshal(tlpDefinitions, &tlps); err != nil {
		panic("policy: embedded TLP definitions are invalid: " + err.Error())
	}
	for _, raw := range append(tlps, ExtensionDefinition, ProjectIdentity) {
		var head struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(raw, &head)
		r.hashes[head.ID] = hashOf(raw)
	}
}

// hashOf returns the content Hash of an embedded canonical object.
func hashOf(raw []byte) string {
	obj, err := stix.Parse(raw)
	if err != nil {
		// The embedded objects are tested; reaching this is a build defect.
		panic("policy: a canonical object is invalid: " + err.Error())
	}
	return obj.Hash
}

// relNation returns the nation whose "REL TO" marking has the id. The ids
// are UUIDv5 of the nation code: the table of every three-letter code is
// made once, on the first UUIDv5 marking id asked about.
func (r *reserved) relNation(id string) (string, bool) {
	u, ok := strings.CutPrefix(id, "marking-definition--")
	if !ok || len(u) != 36 || u[14] != '5' {
		return "", false
	}
	r.relOnce.Do(func() {
		r.rel = make(map[[16]byte]string, 26*26*26)
		for a := 'A'; a <= 'Z'; a++ {
			for b := 'A'; b <= 'Z'; b++ {
				for c := 'A'; c <= 'Z'; c++ {
					n := string([]rune{a, b, c})
					if key, ok := uuidKey(strings.TrimPrefix(ReleasableToMarkingID(n), "marking-definition--")); ok {
						r.rel[key] = n
					}
				}
			}
		}
	})
	key, ok := uuidKey(u)
	if !ok {
		return "", false
	}
	n, ok := r.rel[key]
	return n, ok
}

// uuidKey returns the 16 bytes of a lower-case hex UUID.
func uuidKey(u string) ([16]byte, bool) {
	var k [16]byte
	j := 0
	for i := 0; i < len(u); i++ {
		if u[i] == '-' {
			continue
		}
		v, ok := hexVal(u[i])
		if !ok || j >= 32 {
			return k, false
		}
		if j%2 == 0 {
			k[j/2] = v << 4
		} else {
			k[j/2] |= v
		}
		j++
	}
	return k, j == 32
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
