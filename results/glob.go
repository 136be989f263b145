package results

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Glob expands the globs among args, the result files a command is given
// ('results/runs/*.json'): an argument that names an existing file, or
// holds no glob characters, is kept as it is (Read then says whether it
// exists). A glob that matches nothing is an error naming it; every such
// error is reported.
func Glob(args []string) ([]string, error) {
	var out []string
	var errs []error
	for _, a := range args {
		if !strings.ContainsAny(a, "*?[") {
			out = append(out, a)
			continue
		}
		if _, err := os.Stat(a); err == nil {
			out = append(out, a)
			continue
		}
		m, err := filepath.Glob(a)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("results: %s: %w", a, err))
		case len(m) == 0:
			errs = append(errs, fmt.Errorf("results: %s: no file matches", a))
		}
		out = append(out, m...)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}
