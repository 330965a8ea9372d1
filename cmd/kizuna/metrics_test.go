package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestMetricsLabelsAreBounded sends thousands of requests with invented
// methods and paths to a real node and checks that they add no series to
// /metrics, which --metrics-listen serves on its own address, and only
// there.
func TestMetricsLabelsAreBounded(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	MustRunCLI(t, "init", "--data", data, "--nation", "USA")
	metricsAddr := freeAddr(t)
	node := MustServeProcess(t, data, "--metrics-listen", metricsAddr)
	client := &http.Client{}
	send := func(round, count int) {
		t.Helper()
		for i := range count {
			method := fmt.Sprintf("INVENTED%d-%d", round, i)
			path := []string{
				fmt.Sprintf("/taxii2/%d-%d/", round, i),
				fmt.Sprintf("/taxii2/api/collections/c%d-%d/objects/", round, i),
				fmt.Sprintf("/nowhere/%d/%d", round, i),
				fmt.Sprintf("/api/v1/x%d-%d", round, i),
			}[i%4]
			if i%3 == 0 {
				method = http.MethodGet
			}
			req, err := http.NewRequest(method, node.base+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	series := func() map[string]bool {
		t.Helper()
		resp, err := http.Get("http://" + metricsAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/metrics on --metrics-listen: %d", resp.StatusCode)
		}
		out := map[string]bool{}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			name, _, _ := strings.Cut(line, " ")
			out[name] = true
		}
		return out
	}
	send(1, 400)
	before := series()
	if !before[`kizuna_http_requests_total{code="401",method="other",route="/taxii2/"}`] {
		t.Errorf("invented methods are not counted as method=\"other\": %v", before)
	}
	send(2, 3000)
	after := series()
	for s := range after {
		if !before[s] {
			t.Errorf("a new series after 3,000 more invented requests: %s", s)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d series, then %d", len(before), len(after))
	}
	// The node's own address serves no /metrics when it has its own.
	if code, _ := taxiiGet(t, node.base+"/metrics", "", ""); code != http.StatusNotFound {
		t.Errorf("/metrics on the main address with --metrics-listen: %d, want 404", code)
	}
}
