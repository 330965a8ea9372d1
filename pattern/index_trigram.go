package pattern

// LIKE and MATCHES tests are filed under one trigram of a literal their
// matches must contain. Which trigram matters: one shared by many patterns
// (".com", "http") would make every URL a candidate for all of them. Each
// pattern therefore takes the trigram of its literal with the fewest
// patterns already filed under it, and when a trigram's list grows long its
// patterns move to their own rarer trigrams.

// rebalanceAt is the list length above which a trigram's patterns are spread.
const rebalanceAt = 16

// rarestTrigram returns the trigram of lit with the shortest list on the
// path, not counting avoid.
func (ix *Index) rarestTrigram(pathID int32, lit, avoid string) string {
	best, bestN := "", -1
	for i := len(lit) - 3; i >= 0; i-- {
		t := lit[i : i+3]
		if t == avoid {
			continue
		}
		n := len(ix.tri[mapKey(pathID, t)])
		if bestN < 0 || n < bestN {
			best, bestN = t, n
		}
	}
	return best
}

// rebalance moves patterns off a crowded trigram list when their literal
// offers a trigram with a clearly shorter list.
func (ix *Index) rebalance(pathID int32, tri string) {
	k := mapKey(pathID, tri)
	if len(ix.tri[k]) <= rebalanceAt {
		return
	}
	for _, ref := range append([]leafRef(nil), ix.tri[k]...) {
		e := ix.entries[ref.slot]
		for i := range e.atoms {
			a := &e.atoms[i]
			if a.kind != atomTri || a.ref != ref || a.pathID != pathID || a.tri != tri {
				continue
			}
			alt := ix.rarestTrigram(pathID, a.key, tri)
			if alt == "" {
				break
			}
			ak := mapKey(pathID, alt)
			if len(ix.tri[ak])+1 >= len(ix.tri[k]) {
				break
			}
			ix.tri[k] = dropRef(ix.tri[k], ref)
			ix.tri[ak] = append(ix.tri[ak], ref)
			a.tri = alt
			break
		}
	}
	if len(ix.tri[k]) == 0 {
		delete(ix.tri, k)
	}
}
