// Package subsets enumerates subsets by increasing size, as the searches
// for the smallest explanation of a policy's result need.
package subsets

// Each calls fn with each k-subset of 0..n-1, as ascending indexes in
// lexicographic order, until fn returns false. fn must not keep idx.
func Each(n, k int, fn func(idx []int) bool) {
	if k <= 0 || k > n {
		return
	}
	idx := make([]int, k)
	for i := range idx {
		idx[i] = i
	}
	for {
		if !fn(idx) {
			return
		}
		i := k - 1
		for i >= 0 && idx[i] == n-k+i {
			i--
		}
		if i < 0 {
			return
		}
		idx[i]++
		for j := i + 1; j < k; j++ {
			idx[j] = idx[j-1] + 1
		}
	}
}
