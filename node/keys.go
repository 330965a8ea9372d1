package node

import (
	"context"

	"github.com/kizuna-dev/kizuna/federation"
)

// Keys returns the node's signing key and TLS certificate, generating them
// for a node initialised before nodes had keys.
func (n *Node) Keys(ctx context.Context) (*federation.Keys, error) {
	if err := federation.GenerateKeys(ctx, n.State, nil); err != nil {
		return nil, err
	}
	return federation.LoadKeys(ctx, n.State)
}
