package dcapi

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict/pairwise"
)

// AgreementsState is the node state document holding the deconfliction
// agreements. Its name ends in ".secrets": on PostgreSQL the node seals
// it under its key file like its other secrets; on SQLite it is a 0600
// file of the data directory. It holds the agreement keys, which are
// never logged nor printed.
const AgreementsState = "deconflict-agreements.secrets"

// DefaultRate is the number of queries per minute an agreement admits in
// each direction unless it says otherwise.
const DefaultRate = 60

// AgreementConfig is one deconfliction agreement as this node keeps it:
// the ally's nation, the peer its node is reached through and the shared
// key (the same on both sides, exchanged out of band).
type AgreementConfig struct {
	ID     string `json:"id"`
	Peer   string `json:"peer"`   // the peer (its name here) of the ally's node
	Nation string `json:"nation"` // the ally's nation
	Key    []byte `json:"key"`    // 32 bytes
	Epoch  int    `json:"epoch"`
	// Bucket is the time granularity (a Go duration, 1h to 168h).
	Bucket string `json:"bucket"`
	// Rules is the SHA-256 of the conflict rules both sides run.
	Rules string `json:"rules"`
	// Rate bounds the queries per minute under the agreement, in each
	// direction.
	Rate int `json:"rate"`
}

// Agreement returns the exchange's view of the agreement for this node
// (of nation self).
func (c *AgreementConfig) Agreement(self string) (*pairwise.Agreement, error) {
	d, err := time.ParseDuration(c.Bucket)
	if err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "agreement %s: bucket %q: want a duration such as 24h", c.ID, c.Bucket)
	}
	ag := &pairwise.Agreement{ID: c.ID, Nations: [2]string{self, c.Nation}, Key: c.Key, Epoch: c.Epoch, Bucket: d, Rules: c.Rules}
	if err := ag.Check(); err != nil {
		return nil, err
	}
	return ag, nil
}

// Check validates an agreement's configuration for a node of nation self.
func (c *AgreementConfig) Check(self string) error {
	switch {
	case c.Peer == "":
		return kizuna.Errorf(kizuna.EINVALID, "agreement %s: no peer", c.ID)
	case len(c.Nation) != 3:
		return kizuna.Errorf(kizuna.EINVALID, "agreement %s: nation %q: want an ISO 3166-1 alpha-3 code", c.ID, c.Nation)
	case c.Nation == self:
		return kizuna.Errorf(kizuna.EINVALID, "agreement %s: the ally's nation %s is this node's own", c.ID, c.Nation)
	case c.Epoch < 1:
		return kizuna.Errorf(kizuna.EINVALID, "agreement %s: epoch %d: want 1 or more", c.ID, c.Epoch)
	case c.Rate < 1:
		return kizuna.Errorf(kizuna.EINVALID, "agreement %s: rate %d: want 1 or more queries per minute", c.ID, c.Rate)
	}
	for _, r := range c.ID {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return kizuna.Errorf(kizuna.EINVALID, "agreement id %q: use letters, digits, '-', '_' and '.' only", c.ID)
		}
	}
	_, err := c.Agreement(self)
	return err
}

// Agreements is the content of the agreements document.
type Agreements struct {
	Agreements []*AgreementConfig `json:"agreements"`
}

// Find returns the agreement with the id, or nil.
func (a *Agreements) Find(id string) *AgreementConfig {
	i := slices.IndexFunc(a.Agreements, func(c *AgreementConfig) bool { return c.ID == id })
	if i < 0 {
		return nil
	}
	return a.Agreements[i]
}

// LoadAgreements reads the agreements of a node of nation self; none is
// no agreement.
func LoadAgreements(ctx context.Context, st kizuna.StateStore, self string) (*Agreements, error) {
	b, err := st.ReadState(ctx, AgreementsState)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return &Agreements{}, nil
	} else if err != nil {
		return nil, err
	}
	return decodeAgreements(b, self)
}

func decodeAgreements(b []byte, self string) (*Agreements, error) {
	var a Agreements
	if b == nil {
		return &a, nil
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("node state %s: %v", AgreementsState, err)
	}
	for i, c := range a.Agreements {
		if c == nil {
			return nil, fmt.Errorf("node state %s: agreements[%d]: null, not an agreement", AgreementsState, i)
		}
		if err := c.Check(self); err != nil {
			return nil, fmt.Errorf("node state %s: agreements[%d]: %s", AgreementsState, i, kizuna.ErrorMessage(err))
		}
	}
	return &a, nil
}

// UpdateAgreements applies fn to the agreements as the store holds them
// and writes the result atomically (instances sharing a store lose none
// of each other's changes); an error from fn leaves them as they were.
func UpdateAgreements(ctx context.Context, st kizuna.StateStore, self string, fn func(a *Agreements) error) error {
	return st.UpdateState(ctx, AgreementsState, func(old []byte) ([]byte, error) {
		a, err := decodeAgreements(old, self)
		if err != nil {
			return nil, err
		}
		if err := fn(a); err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for _, c := range a.Agreements {
			if err := c.Check(self); err != nil {
				return nil, err
			}
			if seen[c.ID] {
				return nil, kizuna.Errorf(kizuna.ECONFLICT, "agreement %q is configured twice", c.ID)
			}
			seen[c.ID] = true
		}
		b, err := json.MarshalIndent(a, "", "  ")
		if err != nil {
			return nil, err
		}
		return append(b, '\n'), nil
	})
}
