package node

import "github.com/kizuna-dev/kizuna/federation"

// Keys returns the node's signing key and TLS certificate, generating them
// for a data directory initialised before nodes had keys.
func (n *Node) Keys() (*federation.Keys, error) {
	if err := federation.GenerateKeys(n.Dir, nil); err != nil {
		return nil, err
	}
	return federation.LoadKeys(n.Dir)
}
