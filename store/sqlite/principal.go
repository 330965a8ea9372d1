package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/kizuna-dev/kizuna"
)

// CreatePrincipal stores p with the hash of its token (nil for a principal
// without one), giving it an id when its ID is empty and setting CreatedAt.
func (db *DB) CreatePrincipal(ctx context.Context, p *kizuna.Principal, tokenHash []byte) error {
	if p == nil {
		return kizuna.Errorf(kizuna.EINVALID, "principal is missing")
	}
	if p.Name == "" {
		return kizuna.Errorf(kizuna.EINVALID, "principal %q: name is required", p.ID)
	}
	id := p.ID
	if id == "" {
		id = "principal--" + newUUID()
	}
	clearances, _ := json.Marshal(nonNil(p.Clearances))
	communities, _ := json.Marshal(nonNil(p.Communities))
	roles, _ := json.Marshal(nonNil(p.Roles))
	var token any // NULL: no token
	if len(tokenHash) > 0 {
		token = tokenHash
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO principals (id, name, organization, nation, clearances, communities,
		roles, token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, p.Name, p.Organization, p.Nation, string(clearances), string(communities), string(roles), token, micros(tx.now)); err != nil {
		if err := formatError(err, "creating principal %q", p.Name); kizuna.ErrorCode(err) != kizuna.ECONFLICT {
			return err
		}
		return kizuna.WrapError(kizuna.ECONFLICT, err, "principal %q: the name, id or token is already taken", p.Name)
	}
	if err := tx.commit(); err != nil {
		return formatError(err, "creating principal %q", p.Name)
	}
	p.ID, p.CreatedAt, p.RevokedAt = id, fromMicros(micros(tx.now)), nil
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

const principalColumns = `id, name, organization, nation, clearances, communities, roles, created_at, revoked_at`

func scanPrincipal(row interface{ Scan(...any) error }) (*kizuna.Principal, error) {
	var (
		p                              kizuna.Principal
		clearances, communities, roles string
		created                        int64
		revoked                        sql.NullInt64
	)
	if err := row.Scan(&p.ID, &p.Name, &p.Organization, &p.Nation, &clearances, &communities, &roles, &created, &revoked); err != nil {
		return nil, err
	}
	p.CreatedAt = fromMicros(created)
	if revoked.Valid {
		t := fromMicros(revoked.Int64)
		p.RevokedAt = &t
	}
	for _, f := range []struct {
		name string
		src  string
		dst  any
	}{{"clearances", clearances, &p.Clearances}, {"communities", communities, &p.Communities}, {"roles", roles, &p.Roles}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "sqlite: stored %s of principal %s are corrupt", f.name, p.Name)
		}
	}
	return &p, nil
}

// FindPrincipalByTokenHash returns the unrevoked principal with the token
// hash.
func (db *DB) FindPrincipalByTokenHash(ctx context.Context, tokenHash []byte) (*kizuna.Principal, error) {
	if len(tokenHash) == 0 {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "principal not found")
	}
	p, err := scanPrincipal(db.read.QueryRowContext(ctx,
		`SELECT `+principalColumns+` FROM principals WHERE token_hash = ? AND revoked_at IS NULL`, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		// The message names nothing: the caller holds an unknown token.
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "principal not found")
	} else if err != nil {
		return nil, formatError(err, "finding a principal by token")
	}
	return p, nil
}

// FindPrincipalByName returns the principal with the name, revoked or not.
func (db *DB) FindPrincipalByName(ctx context.Context, name string) (*kizuna.Principal, error) {
	p, err := scanPrincipal(db.read.QueryRowContext(ctx, `SELECT `+principalColumns+` FROM principals WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "principal %q not found", name)
	} else if err != nil {
		return nil, formatError(err, "finding principal %q", name)
	}
	return p, nil
}

// FindPrincipals lists every principal, ordered by name.
func (db *DB) FindPrincipals(ctx context.Context) ([]*kizuna.Principal, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+principalColumns+` FROM principals ORDER BY name`)
	if err != nil {
		return nil, formatError(err, "listing principals")
	}
	defer rows.Close()
	out := []*kizuna.Principal{}
	for rows.Next() {
		p, err := scanPrincipal(rows)
		if err != nil {
			return nil, formatError(err, "listing principals")
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "listing principals")
	}
	return out, nil
}

// RevokePrincipal revokes the named principal. Revoking a revoked principal
// keeps the first revocation time.
func (db *DB) RevokePrincipal(ctx context.Context, name string) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var seq int64
	err = tx.QueryRowContext(ctx, `SELECT seq FROM principals WHERE name = ?`, name).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return kizuna.Errorf(kizuna.ENOTFOUND, "principal %q not found", name)
	} else if err != nil {
		return formatError(err, "revoking principal %q", name)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE principals SET revoked_at = COALESCE(revoked_at, ?) WHERE seq = ?`, micros(tx.now), seq); err != nil {
		return formatError(err, "revoking principal %q", name)
	}
	if err := tx.commit(); err != nil {
		return formatError(err, "revoking principal %q", name)
	}
	return nil
}
