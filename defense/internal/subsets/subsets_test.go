package subsets

import (
	"fmt"
	"testing"
)

func TestEach(t *testing.T) {
	var got []string
	Each(4, 2, func(idx []int) bool { got = append(got, fmt.Sprint(idx)); return true })
	if fmt.Sprint(got) != "[[0 1] [0 2] [0 3] [1 2] [1 3] [2 3]]" {
		t.Errorf("got %v", got)
	}
	n := 0
	Each(5, 3, func([]int) bool { n++; return n < 4 })
	if n != 4 {
		t.Errorf("did not stop: %d", n)
	}
	Each(2, 3, func([]int) bool { t.Error("a 3-subset of 2"); return true })
}
