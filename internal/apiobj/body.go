package apiobj

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/internal/strictjson"
)

// DecodeBody reads a request body of at most max bytes holding one JSON
// object into v, strictly: a member name must be the exact spelling of a
// property of v (not another case of it), appear once in its object, and
// hold a value of the property's type. A body that a gateway or a log
// could read otherwise than the node does ({"a":1,"a":2}, {"A":1}) is
// refused, as are unknown members and trailing data. The error is
// EINVALID naming the JSON path, or ETOOLARGE past max.
func DecodeBody(w http.ResponseWriter, r *http.Request, max int64, v any) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return kizuna.Errorf(kizuna.ETOOLARGE, "the request body exceeds %d bytes", max)
		}
		return kizuna.Errorf(kizuna.EINVALID, "request body: %v", err)
	}
	if err := strictjson.Decode(data, "request body", v); err != nil {
		return kizuna.Errorf(kizuna.EINVALID, "%s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return nil
}
