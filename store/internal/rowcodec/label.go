package rowcodec

import (
	"encoding/json"

	"github.com/kizuna-dev/kizuna"
)

// DecodeLabel decodes the stored encoding of the access label with the id.
// dialect names the store in the error of a corrupt row.
func DecodeLabel(dialect string, id int64, enc []byte) (*kizuna.AccessLabel, error) {
	var l kizuna.AccessLabel
	if err := json.Unmarshal(enc, &l); err != nil {
		return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "%s: stored access label %d is corrupt", dialect, id)
	}
	return &l, nil
}

// ObjectLabels returns the object's label followed by its portions' labels.
func ObjectLabels(o *kizuna.Object) []*kizuna.AccessLabel {
	out := make([]*kizuna.AccessLabel, 1, 1+len(o.Portions))
	out[0] = o.Label
	for _, p := range o.Portions {
		out = append(out, p.Label)
	}
	return out
}

// LabelEncodings returns the stored encodings of ObjectLabels(o), in order.
// json.Marshal of an AccessLabel is deterministic (fields in declaration
// order, no maps), so equal labels share one row.
func LabelEncodings(o *kizuna.Object) ([]string, error) {
	labels := ObjectLabels(o)
	encs := make([]string, len(labels))
	for i, l := range labels {
		b, err := json.Marshal(l)
		if err != nil {
			return nil, kizuna.WrapError(kizuna.EINVALID, err, "object %s: access label cannot be encoded", o.ID)
		}
		encs[i] = string(b)
	}
	return encs, nil
}
