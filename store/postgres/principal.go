package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

// CreatePrincipal stores p with the hash of its token (nil for a principal
// without one), giving it an id when its ID is empty and setting CreatedAt.
func (db *DB) CreatePrincipal(ctx context.Context, p *kizuna.Principal, tokenHash []byte) error {
	if err := rowcodec.CheckPrincipal(p); err != nil {
		return err
	}
	id := p.ID
	if id == "" {
		id = "principal--" + newUUID()
	}
	clearances, communities, roles := rowcodec.PrincipalJSON(p)
	var token any // NULL: no token
	if len(tokenHash) > 0 {
		token = tokenHash
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if _, err := tx.Exec(ctx, `INSERT INTO principals (id, name, organization, nation, clearances, communities,
		roles, token_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		id, p.Name, p.Organization, p.Nation, clearances, communities, roles, token, rowcodec.Micros(tx.now)); err != nil {
		if err := formatError(err, "creating principal %q", p.Name); kizuna.ErrorCode(err) != kizuna.ECONFLICT {
			return err
		}
		return kizuna.WrapError(kizuna.ECONFLICT, err, "principal %q: the name, id or token is already taken", p.Name)
	}
	if err := tx.Commit(ctx); err != nil {
		return formatError(err, "creating principal %q", p.Name)
	}
	p.ID, p.CreatedAt, p.RevokedAt = id, rowcodec.FromMicros(rowcodec.Micros(tx.now)), nil
	return nil
}

// FindPrincipalByTokenHash returns the unrevoked principal with the token
// hash.
func (db *DB) FindPrincipalByTokenHash(ctx context.Context, tokenHash []byte) (*kizuna.Principal, error) {
	if len(tokenHash) == 0 {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "principal not found")
	}
	p, err := rowcodec.ScanPrincipal("postgres", db.pool.QueryRow(ctx,
		`SELECT `+rowcodec.PrincipalColumns+` FROM principals WHERE token_hash = $1 AND revoked_at IS NULL`, tokenHash))
	if errors.Is(err, pgx.ErrNoRows) {
		// The message names nothing: the caller holds an unknown token.
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "principal not found")
	} else if err != nil {
		return nil, formatError(err, "finding a principal by token")
	}
	return p, nil
}

// FindPrincipalByName returns the principal with the name, revoked or not.
func (db *DB) FindPrincipalByName(ctx context.Context, name string) (*kizuna.Principal, error) {
	p, err := rowcodec.ScanPrincipal("postgres", db.pool.QueryRow(ctx, `SELECT `+rowcodec.PrincipalColumns+` FROM principals WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "principal %q not found", name)
	} else if err != nil {
		return nil, formatError(err, "finding principal %q", name)
	}
	return p, nil
}

// FindPrincipals lists every principal, ordered by name.
func (db *DB) FindPrincipals(ctx context.Context) ([]*kizuna.Principal, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+rowcodec.PrincipalColumns+` FROM principals ORDER BY name`)
	if err != nil {
		return nil, formatError(err, "listing principals")
	}
	defer rows.Close()
	out := []*kizuna.Principal{}
	for rows.Next() {
		p, err := rowcodec.ScanPrincipal("postgres", rows)
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
	defer tx.rollback()
	var seq int64
	err = tx.QueryRow(ctx, `SELECT seq FROM principals WHERE name = $1`, name).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return kizuna.Errorf(kizuna.ENOTFOUND, "principal %q not found", name)
	} else if err != nil {
		return formatError(err, "revoking principal %q", name)
	}
	if _, err := tx.Exec(ctx, `UPDATE principals SET revoked_at = COALESCE(revoked_at, $1) WHERE seq = $2`, rowcodec.Micros(tx.now), seq); err != nil {
		return formatError(err, "revoking principal %q", name)
	}
	if err := tx.Commit(ctx); err != nil {
		return formatError(err, "revoking principal %q", name)
	}
	return nil
}

// SetPrincipalCommunities replaces the communities of the named principal.
func (db *DB) SetPrincipalCommunities(ctx context.Context, name string, communities []string) error {
	p := &kizuna.Principal{Name: name, Communities: communities}
	if err := rowcodec.CheckPrincipal(p); err != nil {
		return err
	}
	_, text, _ := rowcodec.PrincipalJSON(p)
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	tag, err := tx.Exec(ctx, `UPDATE principals SET communities = $1 WHERE name = $2`, text, name)
	if err != nil {
		return formatError(err, "setting the communities of principal %q", name)
	}
	if tag.RowsAffected() == 0 {
		return kizuna.Errorf(kizuna.ENOTFOUND, "principal %q not found", name)
	}
	if err := tx.Commit(ctx); err != nil {
		return formatError(err, "setting the communities of principal %q", name)
	}
	return nil
}
