package rowcodec

import (
	"encoding/json"

	"github.com/kizuna-dev/kizuna"
)

// CollectionColumns are the columns ScanCollection reads, in its order.
const CollectionColumns = `id, title, description, COALESCE(alias, ''), can_read, can_write, default_marking_refs, created_at`

// CollectionJSON returns the stored JSON columns of c: its read and write
// rules and its default marking refs, the latter never null.
func CollectionJSON(c *kizuna.Collection) (canRead, canWrite, defaults string) {
	return jsonText(c.CanRead), jsonText(c.CanWrite), jsonText(NonNil(c.DefaultMarkingRefs))
}

// ScanCollection maps a row of CollectionColumns to a collection. dialect
// names the store in the error of a corrupt row.
func ScanCollection(dialect string, row Row) (*kizuna.Collection, error) {
	var (
		c                           kizuna.Collection
		canRead, canWrite, defaults string
		created                     int64
	)
	if err := row.Scan(&c.ID, &c.Title, &c.Description, &c.Alias, &canRead, &canWrite, &defaults, &created); err != nil {
		return nil, err
	}
	c.CreatedAt = FromMicros(created)
	for _, f := range []struct {
		name, src string
		dst       any
	}{{"can_read", canRead, &c.CanRead}, {"can_write", canWrite, &c.CanWrite}, {"default_marking_refs", defaults, &c.DefaultMarkingRefs}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "%s: stored %s of collection %s is corrupt", dialect, f.name, c.ID)
		}
	}
	return &c, nil
}

// CheckCollection fails with EINVALID when c cannot be stored: it is missing
// or has no title.
func CheckCollection(c *kizuna.Collection) error {
	if c == nil {
		return kizuna.Errorf(kizuna.EINVALID, "collection is missing")
	}
	if c.Title == "" {
		return kizuna.Errorf(kizuna.EINVALID, "collection %q: title is required", c.ID)
	}
	return nil
}
