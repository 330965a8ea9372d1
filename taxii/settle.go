package taxii

import (
	"context"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// InterruptedMessage is the failure message of a posted object version that
// a node did not store because it stopped (a crash, a kill, a shutdown past
// its deadline) before processing it.
const InterruptedMessage = "Not stored: the request was interrupted (the node stopped before processing this object); post it again."

// SettleInterrupted completes every status left pending by a node that
// stopped before finishing its envelopes: each pending version that the
// store holds becomes a success, and the others failures saying the request
// was interrupted, so that no client polls forever. It returns how many
// statuses it completed.
//
// Run it at start, before the node accepts POSTs, with the unguarded store:
// a status pending then belongs to no worker. Every process sharing the
// store must be stopped, since their pending statuses look alike (see
// SettleStale).
func SettleInterrupted(ctx context.Context, statuses kizuna.StatusStore, objects kizuna.ObjectStore) (int, error) {
	return settle(ctx, statuses, objects, time.Time{})
}

// SettleStale is SettleInterrupted for the statuses requested before
// before only: the instances serving one store settle with it what an
// instance that died left pending, while the pending statuses of the
// living ones (requested since) go on.
func SettleStale(ctx context.Context, statuses kizuna.StatusStore, objects kizuna.ObjectStore, before time.Time) (int, error) {
	return settle(ctx, statuses, objects, before)
}

// settle completes the pending statuses requested before before (all of
// them when it is zero).
func settle(ctx context.Context, statuses kizuna.StatusStore, objects kizuna.ObjectStore, before time.Time) (int, error) {
	pending, err := statuses.FindPendingStatuses(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, st := range pending {
		if !before.IsZero() && !st.RequestTime.Before(before) {
			continue
		}
		n++
		stored, err := storedVersions(ctx, objects, st.Collection, st.Pendings)
		if err != nil {
			return 0, err
		}
		for _, d := range st.Pendings {
			if !d.Version.IsZero() && stored[versionKey(d.ID, d.Version)] {
				d.Message = ""
				st.Successes = append(st.Successes, d)
			} else {
				d.Message = InterruptedMessage
				st.Failures = append(st.Failures, d)
			}
		}
		st.Pendings = nil
		st.Status = kizuna.StatusComplete
		if err := statuses.UpdateStatus(ctx, st); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// settleChunk is how many ids one lookup of SettleInterrupted names.
const settleChunk = 500

// storedVersions returns which of the versions of details the collection
// holds, keyed by versionKey. A collection that no longer exists holds
// none.
func storedVersions(ctx context.Context, objects kizuna.ObjectStore, collection string, details []kizuna.StatusDetail) (map[string]bool, error) {
	stored := map[string]bool{}
	seen := map[string]bool{}
	var ids []string
	for _, d := range details {
		if d.ID != "" && !seen[d.ID] {
			seen[d.ID] = true
			ids = append(ids, d.ID)
		}
	}
	for start := 0; start < len(ids); start += settleChunk {
		f := kizuna.ObjectFilter{
			Collection: collection, IDs: ids[start:min(start+settleChunk, len(ids))],
			Versions: kizuna.VersionMatch{All: true}, Access: kizuna.AccessScope{Unrestricted: true},
		}
		for {
			page, err := objects.FindObjects(ctx, f)
			if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
				return stored, nil
			} else if err != nil {
				return nil, err
			}
			for _, o := range page.Objects {
				stored[versionKey(o.ID, o.Version)] = true
			}
			if !page.More || page.Next == "" {
				break
			}
			f.Next = page.Next
		}
	}
	return stored, nil
}

func versionKey(id string, version time.Time) string {
	return id + "@" + version.UTC().Format(time.RFC3339Nano)
}
