package scenarios

import (
	"strconv"
	"strings"
)

// Problem is one thing wrong with a scenario file, at a position in it.
type Problem struct {
	// File is the file name given to Parse or the path given to Load.
	File string

	// Line and Column are 1-based and point at the offending node: the
	// value for a wrong type or a bad value, the key for an unknown or
	// duplicate key. For a missing key they point at the nearest mapping
	// that encloses it.
	Line, Column int

	// Path is the key path of the offending value, YAML key names joined
	// by dots with [i] for sequence entries ("phases[1].duration"). It is
	// empty for problems with the file as a whole, such as a syntax error.
	Path string

	// Msg says what is wrong, in lower case.
	Msg string
}

// Error formats the problem as file:line:col: path: msg, leaving out the
// file name and the path when they are empty.
func (p Problem) Error() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		b.WriteByte(':')
	}
	b.WriteString(strconv.Itoa(p.Line))
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(p.Column))
	b.WriteString(": ")
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Error is the error Load and Parse return for a bad scenario file. It
// holds every problem found in the file, ordered by position. Callers that
// must tell bad input from other failures (a file that cannot be read)
// detect it with errors.As.
type Error struct {
	Problems []Problem
}

// Error returns the problems, one per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// FieldError is one semantic problem found by Validate: the value at Path
// is not allowed. It carries no position: a Scenario built in code has
// none. Parse and Load turn it into a Problem with the position of Path in
// the file.
type FieldError struct {
	// Path is the key path of the value, as in Problem.Path.
	Path string
	// Msg says what is wrong, in lower case.
	Msg string
}

// Error returns "path: msg".
func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }
