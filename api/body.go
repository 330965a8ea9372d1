package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/kizuna-dev/kizuna"
)

// decodeBody reads a request body of at most limit bytes holding exactly
// one JSON object with no unknown fields into v. Errors name what was
// read (what) and where it went wrong: EINVALID, or ETOOLARGE past limit.
func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, what string, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return kizuna.Errorf(kizuna.ETOOLARGE, "the request body exceeds %d bytes", limit)
		}
		return kizuna.Errorf(kizuna.EINVALID, "%s: %v", what, describeJSONError(err))
	}
	if dec.More() {
		return kizuna.Errorf(kizuna.EINVALID, "%s: one JSON object expected", what)
	}
	return nil
}
