package rowcodec

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// MaxPageSize is the largest page a store's FindObjects returns; a zero or
// larger ObjectFilter.Limit gets this many.
const MaxPageSize = 10000

// cursorPrefix tags the cursor format, so that a later format can be told
// apart from this one. Both stores write this format, so a cursor survives
// a move between them.
const cursorPrefix = "1."

// EncodeCursor returns the opaque cursor that continues after the version
// added at added. date_added is strictly increasing per collection, so it
// alone is a position: the cursor needs no server state and stays valid
// across restarts and processes.
func EncodeCursor(added time.Time) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(Micros(added), 10)))
}

// DecodeCursor returns the date_added position, in microseconds, of a
// cursor EncodeCursor made; anything else is EINVALID.
func DecodeCursor(next string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(next)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(b), cursorPrefix); ok {
			if us, perr := strconv.ParseInt(rest, 10, 64); perr == nil && us >= 0 {
				return us, nil
			}
		}
	}
	return 0, kizuna.Errorf(kizuna.EINVALID, "malformed next cursor %q", next)
}

// PageBounds returns the page size and the date_added position, in
// microseconds, after which a FindObjects page starts: -1 for the start of
// the collection, else the later of the cursor and AddedAfter.
func PageBounds(f kizuna.ObjectFilter) (limit int, after int64, err error) {
	if f.Limit < 0 {
		return 0, 0, kizuna.Errorf(kizuna.EINVALID, "limit %d is negative", f.Limit)
	}
	limit = f.Limit
	if limit == 0 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	after = -1
	if f.Next != "" {
		if after, err = DecodeCursor(f.Next); err != nil {
			return 0, 0, err
		}
	}
	if f.AddedAfter != nil {
		after = max(after, Micros(f.AddedAfter.Truncate(time.Microsecond)))
	}
	return limit, after, nil
}

// StoredPortion is a portion as stored in an object row's JSON column: its
// label by id only.
type StoredPortion struct {
	Selectors []string `json:"selectors"`
	LabelID   int64    `json:"label_id"`
}

// Portions returns the stored portions as domain portions, labels unset.
func Portions(ps []StoredPortion) []kizuna.Portion {
	out := make([]kizuna.Portion, len(ps))
	for i, p := range ps {
		out[i] = kizuna.Portion{Selectors: p.Selectors, LabelID: p.LabelID}
	}
	return out
}

// LabelIDs adds to ids the label ids the objects and their portions refer
// to.
func LabelIDs(objs []*kizuna.Object, ids map[int64]bool) {
	for _, o := range objs {
		ids[o.LabelID] = true
		for _, p := range o.Portions {
			ids[p.LabelID] = true
		}
	}
}

// AttachLabels sets the label of each object and portion from labels, keyed
// by label id.
func AttachLabels(objs []*kizuna.Object, labels map[int64]*kizuna.AccessLabel) {
	for _, o := range objs {
		o.Label = labels[o.LabelID]
		for i := range o.Portions {
			o.Portions[i].Label = labels[o.Portions[i].LabelID]
		}
	}
}

// StoredPortions returns the portions as stored, labels by id.
func StoredPortions(ps []kizuna.Portion) []StoredPortion {
	out := make([]StoredPortion, len(ps))
	for i, p := range ps {
		out[i] = StoredPortion{Selectors: p.Selectors, LabelID: p.LabelID}
	}
	return out
}

// CheckPut fails with EINVALID when o cannot be stored or judged: it lacks
// an id, a type, a content hash or its raw JSON, or it or one of its
// portions has no access label.
func CheckPut(o *kizuna.Object) error {
	switch {
	case o.ID == "":
		return kizuna.Errorf(kizuna.EINVALID, "object has no id")
	case o.Type == "":
		return kizuna.Errorf(kizuna.EINVALID, "object %s: type is missing", o.ID)
	case o.Hash == "":
		return kizuna.Errorf(kizuna.EINVALID, "object %s: content hash is missing", o.ID)
	case len(o.Raw) == 0:
		return kizuna.Errorf(kizuna.EINVALID, "object %s: raw JSON is missing", o.ID)
	case o.Label == nil:
		return kizuna.Errorf(kizuna.EINVALID, "object %s: access label is missing; the object cannot be judged and is refused", o.ID)
	}
	for j, p := range o.Portions {
		if p.Label == nil {
			return kizuna.Errorf(kizuna.EINVALID, "object %s: portion %d (%v) has no access label; the object is refused", o.ID, j, p.Selectors)
		}
	}
	return nil
}
