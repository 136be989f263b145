// Package report turns results into tables and documents: the summary
// tables that tlsbench run prints (their columns, each shown by default or
// only in the wide view, are PhaseColumns; View picks them), compare's
// text, Markdown and CSV, the table of repeats, and the design-review page
// in Markdown and HTML, findings first (Review). All of them lay their
// numbers out in one table model, Table, written as text, Markdown, HTML
// or CSV. (What tlsbench check found is written by package check itself,
// Report.WriteText.)
//
// It formats only. Grouping, merging and comparing runs, and what a set
// of runs finds, is package results' (results.NewSet,
// results.CompareSets, results.Set.Findings); drawing charts is package
// plots'. It reads no files, except the charts' SVG files that an
// HTML page inlines, and writes only to the writers it is given.
package report

import (
	"encoding/csv"
	"fmt"
	"html"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// Table is a table of text cells: a header and rows of as many cells.
type Table struct {
	// Head names the columns.
	Head []string
	// Right marks the columns of numbers, right-aligned in Markdown and
	// HTML. It may be shorter than Head.
	Right []bool
	// Rows are the rows, top to bottom.
	Rows [][]string
}

func (t *Table) right(i int) bool { return i < len(t.Right) && t.Right[i] }

// WriteText writes the table for a terminal: columns aligned with spaces,
// two between columns, every cell (the last included) padded to its
// column's width.
func (t *Table) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range append([][]string{t.Head}, t.Rows...) {
		fmt.Fprint(tw, strings.Join(r, "\t")+"\t\n")
	}
	return tw.Flush()
}

// WriteMarkdown writes the table as a GitHub-flavoured Markdown table,
// cells escaped (see mdEscape).
func (t *Table) WriteMarkdown(w io.Writer) {
	row := func(cells []string) {
		esc := make([]string, len(cells))
		for i, c := range cells {
			esc[i] = mdEscape(c)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(esc, " | "))
	}
	row(t.Head)
	sep := make([]string, len(t.Head))
	for i := range sep {
		sep[i] = "---"
		if t.right(i) {
			sep[i] = "--:"
		}
	}
	fmt.Fprintf(w, "|%s|\n", strings.Join(sep, "|"))
	for _, r := range t.Rows {
		row(r)
	}
}

// WriteHTML writes the table as an HTML table, cells escaped; the cells of
// right-aligned columns have class "r", and the first cell of a row, its
// name, class "n" unless it is long.
func (t *Table) WriteHTML(w io.Writer) {
	fmt.Fprint(w, "<table><tr>")
	for _, h := range t.Head {
		fmt.Fprintf(w, "<th>%s</th>", html.EscapeString(h))
	}
	fmt.Fprint(w, "</tr>\n")
	for _, r := range t.Rows {
		fmt.Fprint(w, "<tr>")
		for i, c := range r {
			class := ""
			switch {
			case t.right(i):
				class = ` class="r"`
			case i == 0 && utf8.RuneCountInString(c) <= 40:
				class = ` class="n"` // a row's name, kept on one line
			}
			fmt.Fprintf(w, "<td%s>%s</td>", class, html.EscapeString(c))
		}
		fmt.Fprint(w, "</tr>\n")
	}
	fmt.Fprint(w, "</table>\n")
}

// WriteCSV writes the table as CSV (RFC 4180), the header first.
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(t.Head)
	cw.WriteAll(t.Rows) // flushes
	return cw.Error()
}

// mdEscape escapes text for a Markdown table cell or a line of Markdown:
// a "|" would end the cell.
func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
