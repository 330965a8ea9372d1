// Package apiobj holds what the native API's feature handlers (collective
// defense, deconfliction, exercises) share to read objects through the
// access decision and to write them through ingest.
package apiobj

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// ReadAll returns the latest versions the reader of ctx may read of the
// objects of a type in a collection (every page). objects is the guard.
func ReadAll(ctx context.Context, objects kizuna.ObjectStore, coll, typ string) ([]*kizuna.Object, error) {
	var out []*kizuna.Object
	f := kizuna.ObjectFilter{Collection: coll, Types: []string{typ}, Versions: kizuna.VersionMatch{Last: true}, IncludeRaw: true, Limit: 1000}
	for {
		page, err := objects.FindObjects(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Objects...)
		if !page.More {
			return out, nil
		}
		f.Next = page.Next
	}
}

// Ingest stores objects with the rights of the principal in ctx; every
// refusal is in the error, whose code is the last forbidden or conflict
// code among them (else EINVALID).
func Ingest(ctx context.Context, in kizuna.Ingester, coll string, raws ...[]byte) error {
	msgs := make([]json.RawMessage, len(raws))
	for i, r := range raws {
		msgs[i] = r
	}
	results, err := in.Ingest(ctx, coll, msgs)
	if err != nil {
		return err
	}
	var errs []string
	code := kizuna.EINVALID
	for _, r := range results {
		if r.Err != nil {
			errs = append(errs, kizuna.ErrorMessage(r.Err))
			if c := kizuna.ErrorCode(r.Err); c == kizuna.EFORBIDDEN || c == kizuna.ECONFLICT {
				code = c
			}
		}
	}
	if len(errs) > 0 {
		return kizuna.Errorf(code, "%s", strings.Join(errs, "; "))
	}
	return nil
}

// WriteJSON writes v as a JSON answer that no cache keeps.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
