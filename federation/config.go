package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

// PeersFile holds the node's peers in its data directory (0600: it holds
// the credentials this node presents to its peers).
const PeersFile = "peers.json"

// CollectionMap maps a local collection to a collection of the peer.
type CollectionMap struct {
	Local  string `json:"local"`  // local collection id or alias
	Remote string `json:"remote"` // the peer's collection id (or alias, for kizuna peers)
	// Push sends what the peer may receive from Local to Remote; Pull
	// fetches Remote into Local (plain TAXII peers only: kizuna peers push).
	Push bool `json:"push"`
	Pull bool `json:"pull"`
}

// PeerConfig is one peering agreement. The agreement's ceiling (nation,
// organisation, clearances, communities) is the peer's principal on this
// node, which the access decision reads; MaxTLP caps TLP on top of it.
type PeerConfig struct {
	// Name is the peer's name, and the name of its principal on this node.
	Name string `json:"name"`
	// Node is the peer node's STIX identity id, which its signatures name.
	Node string `json:"node,omitempty"`
	// URL is the peer's TAXII API root, e.g. https://jp.example/taxii2/api/.
	URL string `json:"url"`
	// Username and Token are this node's credentials on the peer.
	Username string `json:"username,omitempty"`
	Token    string `json:"token,omitempty"`
	// PublicKey is the peer's pinned signing key (ed25519:BASE64).
	PublicKey string `json:"public_key,omitempty"`
	// CertSHA256 is the peer's pinned TLS certificate fingerprint.
	CertSHA256 string `json:"cert_sha256,omitempty"`
	// Plain marks a TAXII server that does not sign: its objects are
	// accepted unsigned, on the operator's word alone.
	Plain bool `json:"plain,omitempty"`
	// Nation and Organization restate the peer principal's, for listings.
	Nation       string `json:"nation"`
	Organization string `json:"organization"`
	// Organizations are the identity ids of the organisations behind the
	// peer: the only creators whose objects the peer may originate.
	Organizations []string `json:"organizations"`
	// MaxTLP is the most restrictive TLP the peer may receive.
	MaxTLP      string          `json:"max_tlp"`
	Collections []CollectionMap `json:"collections"`
}

// Validate checks a peer's configuration.
func (pc *PeerConfig) Validate() error {
	if pc.Name == "" {
		return kizuna.Errorf(kizuna.EINVALID, "peer: name is required")
	}
	for _, r := range pc.Name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return kizuna.Errorf(kizuna.EINVALID, "peer name %q: use letters, digits, '-', '_' and '.' only", pc.Name)
		}
	}
	where := fmt.Sprintf("peer %q", pc.Name)
	if err := CheckURL(pc.URL); err != nil {
		return kizuna.Errorf(kizuna.EINVALID, "%s: %s", where, kizuna.ErrorMessage(err))
	}
	if !policy.ValidTLP(pc.MaxTLP) {
		return kizuna.Errorf(kizuna.EINVALID, "%s: max_tlp %q: want clear, green, amber, amber+strict or red", where, pc.MaxTLP)
	}
	if !pc.Plain {
		if _, err := ParsePublicKey(pc.PublicKey); err != nil {
			return kizuna.Errorf(kizuna.EINVALID, "%s: %s (a peer that does not sign must be configured plain)", where, kizuna.ErrorMessage(err))
		}
		if pc.Node == "" {
			return kizuna.Errorf(kizuna.EINVALID, "%s: node (the peer node's identity id) is required", where)
		}
	}
	if pc.CertSHA256 == "" && strings.HasPrefix(pc.URL, "https:") {
		return kizuna.Errorf(kizuna.EINVALID, "%s: an https peer needs its certificate's SHA-256 fingerprint (cert_sha256) to pin", where)
	}
	if pc.CertSHA256 != "" {
		if _, err := ParseFingerprint(pc.CertSHA256); err != nil {
			return kizuna.Errorf(kizuna.EINVALID, "%s: %s", where, kizuna.ErrorMessage(err))
		}
	}
	for i, m := range pc.Collections {
		if m.Local == "" || m.Remote == "" {
			return kizuna.Errorf(kizuna.EINVALID, "%s: collections[%d]: local and remote are required", where, i)
		}
		if m.Pull && !pc.Plain {
			return kizuna.Errorf(kizuna.EINVALID, "%s: collections[%d]: pull is for plain TAXII peers; kizuna peers push what they sign", where, i)
		}
	}
	return nil
}

// HasOrganization reports whether org is behind the peer.
func (pc *PeerConfig) HasOrganization(org string) bool {
	return org != "" && slices.Contains(pc.Organizations, org)
}

// Peers is the content of the peers file.
type Peers struct {
	Peers []*PeerConfig `json:"peers"`
}

// Find returns the peer with the name, or nil.
func (p *Peers) Find(name string) *PeerConfig {
	for _, pc := range p.Peers {
		if pc.Name == name {
			return pc
		}
	}
	return nil
}

// FindNode returns the kizuna peer whose node id is node, or nil.
func (p *Peers) FindNode(node string) *PeerConfig {
	for _, pc := range p.Peers {
		if node != "" && pc.Node == node && !pc.Plain {
			return pc
		}
	}
	return nil
}

// LoadPeers reads the peers document of the node's state; none is no
// peers.
func LoadPeers(ctx context.Context, st kizuna.StateStore) (*Peers, error) {
	b, err := st.ReadState(ctx, PeersFile)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return &Peers{}, nil
	} else if err != nil {
		return nil, err
	}
	return decodePeers(st, b)
}

// decodePeers parses and validates a peers document (nil: none).
func decodePeers(st kizuna.StateStore, b []byte) (*Peers, error) {
	var p Peers
	if b == nil {
		return &p, nil
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %v", Where(st, PeersFile), err)
	}
	for _, pc := range p.Peers {
		if err := pc.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %s", Where(st, PeersFile), kizuna.ErrorMessage(err))
		}
	}
	return &p, nil
}

// SavePeers replaces the peers document atomically.
func SavePeers(ctx context.Context, st kizuna.StateStore, p *Peers) error {
	b, err := encodePeers(p)
	if err != nil {
		return err
	}
	return st.WriteState(ctx, PeersFile, b)
}

// UpdatePeers applies fn to the peers document as the store holds it and
// writes the result, atomically: commands run on several instances of a
// node at once lose none of each other's changes. An error from fn leaves
// the document as it was.
func UpdatePeers(ctx context.Context, st kizuna.StateStore, fn func(p *Peers) error) error {
	return st.UpdateState(ctx, PeersFile, func(old []byte) ([]byte, error) {
		p, err := decodePeers(st, old)
		if err != nil {
			return nil, err
		}
		if err := fn(p); err != nil {
			return nil, err
		}
		return encodePeers(p)
	})
}

// encodePeers validates a peers document and encodes it.
func encodePeers(p *Peers) ([]byte, error) {
	seen := map[string]bool{}
	for _, pc := range p.Peers {
		if err := pc.Validate(); err != nil {
			return nil, err
		}
		if seen[pc.Name] {
			return nil, kizuna.Errorf(kizuna.ECONFLICT, "peer %q is configured twice", pc.Name)
		}
		seen[pc.Name] = true
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
