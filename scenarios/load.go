package scenarios

import (
	"cmp"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
)

// Load reads the scenario file at path and returns the scenario with its
// defaults applied and validated; see Parse. A file that cannot be read is
// an error wrapping the os error; a bad file is an *Error.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes a scenario from the YAML in data, strictly: a syntax
// error, an unknown or duplicate key, a value of the wrong type and every
// problem Validate finds are all reported at once, as an *Error whose
// Problems carry name as the file name and the line and column of the
// offending node. On success the scenario's File is name and its defaults
// are applied (see Defaults).
//
// At most 100 problems are reported; a last line says when there were
// more.
//
// An integer or duration set to an explicit 0 is checked as 0, not
// replaced by its default: "nodes: 0" is an error, while a key left out or
// set to null takes the default.
func Parse(name string, data []byte) (*Scenario, error) {
	d := newDecoder(name)
	s := &Scenario{}
	if d.decodeFile(data, s) {
		s.File = name
		s.Defaults()
		d.validate(s)
	}
	if len(d.problems) > 0 {
		slices.SortStableFunc(d.problems, func(a, b Problem) int {
			return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
		})
		if d.truncated {
			last := d.problems[len(d.problems)-1]
			d.problems = append(d.problems, Problem{File: name, Line: last.Line, Column: last.Column,
				Msg: fmt.Sprintf("too many problems; stopped after %d", maxProblems)})
		}
		return nil, &Error{Problems: d.problems}
	}
	return s, nil
}

// validate runs Validate on s as the file wrote it (explicit zeros kept)
// and records its problems at the positions of their paths.
func (d *decoder) validate(s *Scenario) {
	c := *s
	c.Phases = slices.Clone(s.Phases)
	for _, idx := range d.zeros {
		v := reflect.ValueOf(&c).Elem()
		for _, i := range idx {
			if v.Kind() == reflect.Slice {
				v = v.Index(i)
			} else {
				v = v.Field(i)
			}
			// Copy what is shared with s on the way down, so that the
			// zero is set in c only.
			switch {
			case v.Kind() == reflect.Pointer && !v.IsNil():
				cp := reflect.New(v.Type().Elem())
				cp.Elem().Set(v.Elem())
				v.Set(cp)
				v = cp.Elem()
			case v.Kind() == reflect.Slice:
				v.Set(reflect.AppendSlice(reflect.MakeSlice(v.Type(), 0, v.Len()), v))
			}
		}
		v.SetZero()
	}
	err := c.Validate()
	if err == nil {
		return
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, err := range errs {
		fe, ok := err.(*FieldError)
		if !ok {
			fe = &FieldError{Msg: err.Error()}
		}
		if d.related(fe.Path) {
			continue // already reported as a decoding problem
		}
		d.addAt(d.position(fe.Path), fe.Path, "%s", fe.Msg)
	}
}

// related reports whether path is a path whose value failed to decode, is
// under one, or encloses one: Validate's complaint about it would then be
// about the zero value left behind, not about what the file says.
func (d *decoder) related(path string) bool {
	for failed := range d.failed {
		if within(path, failed) || within(failed, path) {
			return true
		}
	}
	return false
}

// within reports whether key path p is outer or under it.
func within(p, outer string) bool {
	if outer == "" || p == outer {
		return true
	}
	rest, ok := strings.CutPrefix(p, outer)
	return ok && (rest[0] == '.' || rest[0] == '[')
}

// position returns where path is in the file: its value if the key is
// present, else the nearest enclosing value that is, else 1:1.
func (d *decoder) position(path string) position {
	for {
		if p, ok := d.pos[path]; ok {
			return p
		}
		if path == "" {
			return position{1, 1}
		}
		path = parentPath(path)
	}
}

// parentPath drops the last key or index from a key path:
// "phases[1].duration" → "phases[1]" → "phases" → "".
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}
