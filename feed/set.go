package feed

// set64 is a set of 64-bit keys in one open-addressed table: 16 bytes or
// less per key at most half full, where a Go map takes about twice that.
// It holds the ids an export has read and the rule ids it has given.
type set64 struct {
	slots []uint64 // 0 is an empty slot; the key 0 is kept apart
	n     int
	zero  bool
}

func newSet64(capacity int) *set64 {
	size := 16
	for size < 2*capacity {
		size <<= 1
	}
	return &set64{slots: make([]uint64, size)}
}

// add inserts k and reports whether it was absent.
func (s *set64) add(k uint64) bool {
	if k == 0 {
		added := !s.zero
		s.zero = true
		return added
	}
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	if !s.insert(k) {
		return false
	}
	s.n++
	return true
}

// has reports whether k is in the set.
func (s *set64) has(k uint64) bool {
	if k == 0 {
		return s.zero
	}
	mask := uint64(len(s.slots) - 1)
	for i := mix(k) & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			return false
		case k:
			return true
		}
	}
}

func (s *set64) insert(k uint64) bool {
	mask := uint64(len(s.slots) - 1)
	for i := mix(k) & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = k
			return true
		case k:
			return false
		}
	}
}

func (s *set64) grow() {
	old := s.slots
	s.slots = make([]uint64, 2*len(old))
	for _, k := range old {
		if k != 0 {
			s.insert(k)
		}
	}
}

// mix spreads the bits of keys that are not hashes (rule ids in a range).
func mix(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	return k
}
