package rowcodec

import (
	"encoding/json"

	"github.com/kizuna-dev/kizuna"
)

// PrincipalColumns are the columns ScanPrincipal reads, in its order.
const PrincipalColumns = `id, name, organization, nation, clearances, communities, roles, created_at, revoked_at`

// PrincipalJSON returns the stored JSON columns of p: its clearances,
// communities and roles, never null.
func PrincipalJSON(p *kizuna.Principal) (clearances, communities, roles string) {
	return jsonText(NonNil(p.Clearances)), jsonText(NonNil(p.Communities)), jsonText(NonNil(p.Roles))
}

// ScanPrincipal maps a row of PrincipalColumns to a principal. dialect names
// the store in the error of a corrupt row.
func ScanPrincipal(dialect string, row Row) (*kizuna.Principal, error) {
	var (
		p                              kizuna.Principal
		clearances, communities, roles string
		created                        int64
		revoked                        *int64
	)
	if err := row.Scan(&p.ID, &p.Name, &p.Organization, &p.Nation, &clearances, &communities, &roles, &created, &revoked); err != nil {
		return nil, err
	}
	p.CreatedAt = FromMicros(created)
	if revoked != nil {
		t := FromMicros(*revoked)
		p.RevokedAt = &t
	}
	for _, f := range []struct {
		name, src string
		dst       any
	}{{"clearances", clearances, &p.Clearances}, {"communities", communities, &p.Communities}, {"roles", roles, &p.Roles}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "%s: stored %s of principal %s are corrupt", dialect, f.name, p.Name)
		}
	}
	return &p, nil
}

// CheckPrincipal fails with EINVALID when p cannot be stored: it is missing
// or its name is not one a principal may have (kizuna.CheckPrincipalName).
func CheckPrincipal(p *kizuna.Principal) error {
	if p == nil {
		return kizuna.Errorf(kizuna.EINVALID, "principal is missing")
	}
	if err := kizuna.CheckPrincipalName(p.Name); err != nil {
		return err
	}
	return nil
}
