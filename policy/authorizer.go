package policy

import (
	"context"
	"slices"

	"github.com/kizuna-dev/kizuna"
)

// Authorizer implements kizuna.Authorizer from a collection's AccessRules.
// Objects inside a readable collection are further limited by their labels
// (see Guard).
type Authorizer struct{}

var _ kizuna.Authorizer = Authorizer{}

// CanRead reports whether the principal in ctx satisfies c.CanRead.
func (Authorizer) CanRead(ctx context.Context, c *kizuna.Collection) bool {
	return c != nil && Admits(kizuna.PrincipalFromContext(ctx), c.CanRead)
}

// CanWrite reports whether the principal in ctx satisfies c.CanWrite.
func (Authorizer) CanWrite(ctx context.Context, c *kizuna.Collection) bool {
	return c != nil && Admits(kizuna.PrincipalFromContext(ctx), c.CanWrite)
}

// Admits reports whether rule admits pr: pr holds one of the rule's roles
// and, for each other list that is set, its nation and organisation are
// listed and it belongs to every community. The zero rule admits nobody,
// and neither does any rule admit a missing or revoked principal.
func Admits(pr *kizuna.Principal, rule kizuna.AccessRule) bool {
	if pr == nil || pr.RevokedAt != nil {
		return false
	}
	if !slices.ContainsFunc(rule.Roles, pr.HasRole) {
		return false
	}
	if len(rule.Nations) > 0 && (pr.Nation == "" || !slices.Contains(rule.Nations, pr.Nation)) {
		return false
	}
	if len(rule.Organizations) > 0 && (pr.Organization == "" || !slices.Contains(rule.Organizations, pr.Organization)) {
		return false
	}
	for _, c := range rule.Communities {
		if !slices.Contains(pr.Communities, c) {
			return false
		}
	}
	return true
}
