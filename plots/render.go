package plots

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tlsbench/tlsbench/results"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Page geometry and type sizes.
const (
	pageWidth = 11 * vg.Inch
	margin    = 0.25 * vg.Inch
	pngDPI    = 110
)

var (
	sans     = font.Font{Typeface: "Liberation", Variant: "Sans"}
	sansBold = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: 3} // 3 is x/image/font.WeightBold (CSS 700)
	gray     = color.Gray{Y: 90}
	light    = color.Gray{Y: 225}
	// groupColors color the lines of each group: Tableau 10, then four
	// more that stay apart from them.
	groupColors = []color.Color{
		rgb(0x4E79A7), rgb(0xE15759), rgb(0x59A14F), rgb(0xF28E2B), rgb(0xB07AA1),
		rgb(0x76B7B2), rgb(0x9C755F), rgb(0xFF9DA7), rgb(0xEDC948), rgb(0xBAB0AC),
		rgb(0x333333), rgb(0x17BECF), rgb(0x8C8C00), rgb(0x6A3D9A),
	}
)

func rgb(v uint32) color.Color {
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 255}
}

func style(f font.Font, size vg.Length, c color.Color) text.Style {
	f.Size = size
	return text.Style{Color: c, Font: f, Handler: plot.DefaultTextHandler}
}

// Save draws the chart as PNG and SVG into dir (made if missing), named
// after the chart, and returns the two paths.
func Save(dir string, c Chart) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	var paths []string
	for _, format := range []string{"png", "svg"} {
		var buf bytes.Buffer
		if err := Render(&buf, c, format); err != nil {
			return paths, err
		}
		path := filepath.Join(dir, c.Name+"."+format)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return paths, fmt.Errorf("plots: %w", err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// SaveAll saves every chart into dir (see Save) and returns the files'
// paths, in order.
func SaveAll(dir string, charts []Chart) ([]string, error) {
	var paths []string
	for _, c := range charts {
		p, err := Save(dir, c)
		paths = append(paths, p...)
		if err != nil {
			return paths, err
		}
	}
	return paths, nil
}

// Render draws the chart to w as "png" or "svg".
func Render(w io.Writer, c Chart, format string) error {
	if c.Bars == nil && c.Lines == nil && c.Heat == nil {
		return fmt.Errorf("plots: chart %q has nothing to draw", c.Name)
	}
	l := newLayout(c)
	var cw vg.CanvasWriterTo
	switch format {
	case "png":
		cw = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(l.width, l.height), vgimg.UseDPI(pngDPI))}
	case "svg":
		cw = vgsvg.New(l.width, l.height)
	default:
		return fmt.Errorf("plots: unknown format %q (want png or svg)", format)
	}
	if err := l.draw(draw.New(cw)); err != nil {
		return fmt.Errorf("plots: %s: %w", c.Name, err)
	}
	if _, err := cw.WriteTo(w); err != nil {
		return fmt.Errorf("plots: %s: %w", c.Name, err)
	}
	return nil
}

// layout is a chart's page: title, subtitle, plot area, legend, notes.
type layout struct {
	c                      Chart
	title, sub, notes      []string
	legend                 []legendItem
	legendCols             int
	legendW                vg.Length
	width                  vg.Length
	plotH                  vg.Length
	height                 vg.Length
	titleSty, subSty       text.Style
	noteSty, legSty        text.Style
	lineH, subLineH, noteH vg.Length
}

type legendItem struct {
	label  string
	color  color.Color
	dashed bool
	box    bool // a filled box (bars) rather than a line
}

func newLayout(c Chart) *layout {
	l := &layout{
		c:        c,
		titleSty: style(sansBold, 15, color.Black),
		subSty:   style(sans, 9, gray),
		noteSty:  style(sans, 8.5, gray),
		legSty:   style(sans, 9, color.Black),
	}
	l.width = pageWidth
	if c.Heat != nil {
		l.width = min(pageWidth, max(8*vg.Inch, 1.2*vg.Inch*vg.Length(len(c.Heat.Cols))+3*vg.Inch))
	}
	width := l.width - 2*margin
	l.title = wrap(l.titleSty, c.Title, width)
	l.sub = wrap(l.subSty, c.Subtitle, width)
	for _, n := range c.Notes {
		l.notes = append(l.notes, wrap(l.noteSty, n, width)...)
	}
	l.lineH = 19
	l.subLineH = 12
	l.noteH = 11
	switch {
	case c.Bars != nil:
		for i, s := range c.Bars.Series {
			l.legend = append(l.legend, legendItem{label: s, color: seriesColor(c.Bars, i), box: true})
		}
		h := vg.Length(0)
		for _, r := range c.Bars.Rows {
			switch {
			case r.Heading != "":
				h += 0.30 * vg.Inch
			case c.Bars.Stacked || len(c.Bars.Series) == 1:
				h += 0.32 * vg.Inch
			default:
				h += 0.20 * vg.Inch * vg.Length(len(c.Bars.Series))
			}
		}
		l.plotH = h + 0.75*vg.Inch
	case c.Lines != nil:
		for _, e := range c.Lines.Legend {
			l.legend = append(l.legend, legendItem{label: e.Label, color: groupColor(e.Color), dashed: e.Dashed})
		}
		l.plotH = 5 * vg.Inch
		if len(c.Lines.Panels) > 1 {
			l.plotH = 3.2 * vg.Inch * vg.Length(len(c.Lines.Panels))
		}
	case c.Heat != nil:
		l.plotH = 0.85*vg.Inch*vg.Length(len(c.Heat.Rows)) + 1.0*vg.Inch
	}
	// Legend in as many columns as fit.
	if len(l.legend) > 0 {
		for _, it := range l.legend {
			l.legendW = max(l.legendW, l.legSty.Width(it.label))
		}
		l.legendW += 32 + 28
		l.legendCols = max(1, min(len(l.legend), int(width/l.legendW)))
	}
	rows := (len(l.legend) + max(l.legendCols, 1) - 1) / max(l.legendCols, 1)
	l.height = margin + vg.Length(len(l.title))*l.lineH + vg.Length(len(l.sub))*l.subLineH + 8 +
		l.plotH + 6 + vg.Length(rows)*14 + 6 + vg.Length(len(l.notes))*l.noteH + margin
	return l
}

// seriesColor is the color of a bar chart's series i.
func seriesColor(b *Bars, i int) color.Color {
	if i < len(b.Colors) {
		var v uint32
		if _, err := fmt.Sscanf(b.Colors[i], "#%06x", &v); err == nil {
			return rgb(v)
		}
	}
	return groupColor(i)
}

// capTicks label about six round values (1, 2 or 5 × 10^k apart) without
// needless decimals, none beyond max.
type capTicks struct{ max float64 }

func (t capTicks) Ticks(lo, hi float64) []plot.Tick {
	hi = min(hi, t.max)
	if !(hi > lo) {
		return nil
	}
	raw := (hi - lo) / 6
	e := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * e
	for _, s := range []float64{1, 2, 5} {
		if s*e >= raw {
			step = s * e
			break
		}
	}
	var out []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi*(1+1e-9); v += step {
		v = math.Round(v/step) * step
		out = append(out, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
		if minor := v + step/2; minor < hi {
			out = append(out, plot.Tick{Value: minor})
		}
	}
	return out
}

func groupColor(i int) color.Color {
	return groupColors[((i%len(groupColors))+len(groupColors))%len(groupColors)]
}

// wrap breaks s into lines no wider than w.
func wrap(sty text.Style, s string, w vg.Length) []string {
	if s == "" {
		return nil
	}
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			try := word
			if line != "" {
				try = line + " " + word
			}
			if line != "" && sty.Width(try) > w {
				lines = append(lines, line)
				line = "    " + word
				continue
			}
			line = try
		}
		lines = append(lines, line)
	}
	return lines
}

func (l *layout) draw(dc draw.Canvas) error {
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	x0 := dc.Min.X + margin
	y := dc.Max.Y - margin
	top := func(sty text.Style, s string, h vg.Length) {
		sty.YAlign = draw.YTop
		dc.FillText(sty, vg.Point{X: x0, Y: y}, s)
		y -= h
	}
	for _, s := range l.title {
		top(l.titleSty, s, l.lineH)
	}
	for _, s := range l.sub {
		top(l.subSty, s, l.subLineH)
	}
	y -= 8
	area := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: x0, Y: y - l.plotH},
		Max: vg.Point{X: dc.Max.X - margin, Y: y},
	}}
	var err error
	switch {
	case l.c.Bars != nil:
		err = drawBars(area, l.c.Bars)
	case l.c.Lines != nil:
		err = drawLines(area, l.c.Lines)
	case l.c.Heat != nil:
		err = drawHeat(area, l.c.Heat)
	}
	if err != nil {
		return err
	}
	y -= l.plotH + 6
	for i, it := range l.legend {
		col, row := i%l.legendCols, i/l.legendCols
		px := x0 + vg.Length(col)*l.legendW
		py := y - vg.Length(row)*14 - 7
		if it.box {
			dc.FillPolygon(it.color, []vg.Point{{X: px, Y: py - 4}, {X: px + 22, Y: py - 4}, {X: px + 22, Y: py + 4}, {X: px, Y: py + 4}})
		} else {
			ls := draw.LineStyle{Color: it.color, Width: 2}
			if it.dashed {
				ls.Dashes = []vg.Length{5, 3}
			}
			dc.StrokeLine2(ls, px, py, px+28, py)
		}
		sty := l.legSty
		sty.YAlign = draw.YCenter
		dc.FillText(sty, vg.Point{X: px + 32, Y: py}, it.label)
	}
	if n := len(l.legend); n > 0 {
		y -= vg.Length((n+l.legendCols-1)/l.legendCols)*14 + 6
	}
	for _, s := range l.notes {
		top(l.noteSty, s, l.noteH)
	}
	return nil
}

// setFonts gives a plot's axes the chart fonts.
func setFonts(p *plot.Plot) {
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.Font{Typeface: sans.Typeface, Variant: sans.Variant, Size: 10}
		a.Tick.Label.Font = font.Font{Typeface: sans.Typeface, Variant: sans.Variant, Size: 9}
	}
	p.Legend.TextStyle.Font = font.Font{Typeface: sans.Typeface, Variant: sans.Variant, Size: 9}
}

// barsPlotter draws a Bars spec in data coordinates: row i (from the top)
// is centered on y = n−1−i.
type barsPlotter struct {
	b    *Bars
	xmax float64
}

func drawBars(area draw.Canvas, b *Bars) error {
	if len(b.Rows) == 0 {
		return errors.New("no rows")
	}
	p := plot.New()
	setFonts(p)
	n := len(b.Rows)
	var ticks []plot.Tick
	xmax := 0.0
	for i, r := range b.Rows {
		ticks = append(ticks, plot.Tick{Value: float64(n - 1 - i), Label: r.Label})
		total := 0.0
		for _, bar := range r.Bars {
			if bar.None {
				continue
			}
			if b.Stacked {
				total += bar.Value
			} else {
				xmax = max(xmax, bar.Value)
			}
			if len(bar.Range) == 2 {
				xmax = max(xmax, bar.Range[1])
			}
		}
		xmax = max(xmax, total)
		if len(r.Range) == 2 {
			xmax = max(xmax, r.Range[1])
		}
	}
	if xmax <= 0 {
		xmax = 1
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Tick.Length = 0
	p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
	p.Y.Padding = 0
	p.X.Min, p.X.Max = 0, xmax*1.32
	if b.Max > 0 {
		p.X.Max = b.Max * 1.32
		p.X.Tick.Marker = capTicks{max: b.Max}
	} else {
		p.X.Tick.Marker = capTicks{max: math.Inf(1)}
	}
	p.X.Padding = 0
	p.X.Label.Text = b.Axis
	grid := plotter.NewGrid()
	grid.Horizontal.Color = nil
	grid.Vertical.Color = light
	p.Add(grid, &barsPlotter{b: b, xmax: xmax})
	p.Draw(area)
	return nil
}

func (bp *barsPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	n := len(bp.b.Rows)
	k := len(bp.b.Series)
	textSty := style(sans, 8.5, color.Black)
	textSty.YAlign = draw.YCenter
	headSty := style(sansBold, 9.5, gray)
	headSty.YAlign = draw.YCenter
	whisker := draw.LineStyle{Color: color.Black, Width: 1}
	rect := func(clr color.Color, x0, x1, y0, y1 float64) {
		c.FillPolygon(clr, []vg.Point{
			{X: trX(x0), Y: trY(y0)}, {X: trX(x1), Y: trY(y0)},
			{X: trX(x1), Y: trY(y1)}, {X: trX(x0), Y: trY(y1)},
		})
	}
	drawRange := func(r []float64, ym float64) {
		if len(r) != 2 {
			return
		}
		yy := trY(ym)
		c.StrokeLine2(whisker, trX(r[0]), yy, trX(r[1]), yy)
		for _, x := range r {
			c.StrokeLine2(whisker, trX(x), yy-3, trX(x), yy+3)
		}
	}
	label := func(x float64, ym float64, s string) {
		if s != "" {
			c.FillText(textSty, vg.Point{X: trX(x) + 4, Y: trY(ym)}, s)
		}
	}
	for i, r := range bp.b.Rows {
		yc := float64(n - 1 - i)
		if r.Heading != "" {
			c.FillText(headSty, vg.Point{X: c.Min.X + 2, Y: trY(yc - 0.1)}, r.Heading)
			continue
		}
		if bp.b.Stacked {
			x := 0.0
			for s, bar := range r.Bars {
				if bar.None || bar.Value <= 0 {
					continue
				}
				rect(seriesColor(bp.b, s), x, x+bar.Value, yc-0.3, yc+0.3)
				x += bar.Value
			}
			drawRange(r.Range, yc)
			end := x
			if len(r.Range) == 2 {
				end = max(end, r.Range[1])
			}
			label(end, yc, r.Text)
			continue
		}
		band := 0.84 / float64(k)
		for s, bar := range r.Bars {
			y1 := yc + 0.42 - float64(s)*band
			y0 := y1 - band*0.92
			ym := (y0 + y1) / 2
			if bar.None {
				label(0, ym, bar.Text)
				continue
			}
			rect(seriesColor(bp.b, s), 0, bar.Value, y0, y1)
			drawRange(bar.Range, ym)
			end := bar.Value
			if len(bar.Range) == 2 {
				end = max(end, bar.Range[1])
			}
			label(end, ym, bar.Text)
		}
	}
}

// percentileX maps a percentile (50 .. 99.99) to 1/(1 − q).
func percentileX(pct float64) float64 { return 1 / (1 - pct/100) }

func drawLines(area draw.Canvas, ls *Lines) error {
	if len(ls.Panels) == 0 {
		return errors.New("no panels")
	}
	var plots [][]*plot.Plot
	for i, panel := range ls.Panels {
		p := plot.New()
		setFonts(p)
		p.Y.Label.Text = panel.Y.Label
		if i == len(ls.Panels)-1 {
			p.X.Label.Text = ls.X.Label
		}
		grid := plotter.NewGrid()
		grid.Vertical.Color = light
		grid.Horizontal.Color = light
		p.Add(grid)
		ymin, ymax := math.Inf(1), math.Inf(-1)
		xmin, xmax := math.Inf(1), math.Inf(-1)
		for _, line := range panel.Lines {
			if len(line.Points) == 0 {
				continue
			}
			xys := make(plotter.XYs, len(line.Points))
			for j, pt := range line.Points {
				x := pt.X
				if ls.X.Scale == "percentile" {
					x = percentileX(pt.X)
				}
				xys[j] = plotter.XY{X: x, Y: pt.Y}
				xmin, xmax = min(xmin, x), max(xmax, x)
				ymin, ymax = min(ymin, pt.Y), max(ymax, pt.Y)
			}
			sty := draw.LineStyle{Color: groupColor(line.Color), Width: 1.6}
			if line.Dashed {
				sty.Dashes = []vg.Length{6, 3}
			}
			if ls.X.Scale == "percentile" {
				l, err := plotter.NewLine(xys)
				if err != nil {
					return err
				}
				l.LineStyle = sty
				p.Add(l)
			} else {
				l, pts, err := plotter.NewLinePoints(xys)
				if err != nil {
					return err
				}
				l.LineStyle = sty
				pts.GlyphStyle = draw.GlyphStyle{Color: groupColor(line.Color), Radius: 1.8, Shape: draw.CircleGlyph{}}
				p.Add(l, pts)
			}
		}
		if math.IsInf(ymin, 1) {
			ymin, ymax, xmin, xmax = 1, 10, 0, 1
		}
		switch ls.X.Scale {
		case "percentile":
			p.X.Scale = plot.LogScale{}
			p.X.Min, p.X.Max = 2, 10000
			p.X.Tick.Marker = plot.ConstantTicks{
				{Value: 2, Label: "50%"}, {Value: 10, Label: "90%"}, {Value: 100, Label: "99%"},
				{Value: 1000, Label: "99.9%"}, {Value: 10000, Label: "99.99%"},
			}
		default:
			p.X.Min, p.X.Max = min(0, xmin), xmax+0.02*(xmax-min(0, xmin))
			p.X.Tick.Marker = capTicks{max: math.Inf(1)}
		}
		switch panel.Y.Scale {
		case "log":
			ymin = max(ymin, 1)
			p.Y.Scale = plot.LogScale{}
			lo, hi := ymin/1.15, ymax*1.15
			p.Y.Min, p.Y.Max = lo, hi
			p.Y.Tick.Marker = plot.ConstantTicks(logTicks(lo, hi))
		default:
			p.Y.Min, p.Y.Max = 0, ymax*1.08
			p.Y.Tick.Marker = capTicks{max: math.Inf(1)}
		}
		if len(ls.Marks) > 0 {
			p.Add(&marks{marks: ls.Marks, labels: i == 0})
		}
		plots = append(plots, []*plot.Plot{p})
	}
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadY: 0.15 * vg.Inch}
	canvases := plot.Align(plots, tiles, area)
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	return nil
}

// logTicks labels 1-2-5 steps between lo and hi, or 1-1.5-2-3-5-7 steps
// when the range is about a decade or less.
func logTicks(lo, hi float64) []plot.Tick {
	steps := []float64{1, 2, 5}
	if hi/lo < 12 {
		steps = []float64{1, 1.5, 2, 3, 5, 7}
	}
	var ticks []plot.Tick
	for e := math.Pow(10, math.Floor(math.Log10(lo))); e <= hi; e *= 10 {
		for _, s := range steps {
			v := s * e
			if v >= lo*(1-1e-9) && v <= hi*(1+1e-9) {
				ticks = append(ticks, plot.Tick{Value: v, Label: fmt.Sprintf("%g", v)})
			}
		}
	}
	return ticks
}

// marks draws vertical lines across a panel, with their labels on top.
type marks struct {
	marks  []Mark
	labels bool
}

func (m *marks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	ls := draw.LineStyle{Color: color.Gray{Y: 60}, Width: 1, Dashes: []vg.Length{4, 3}}
	sty := style(sans, 8.5, color.Gray{Y: 60})
	sty.YAlign = draw.YTop
	for _, mk := range m.marks {
		x := trX(mk.X)
		if !c.ContainsX(x) {
			continue
		}
		c.StrokeLine2(ls, x, c.Min.Y, x, c.Max.Y)
		if m.labels {
			c.FillText(sty, vg.Point{X: x + 3, Y: c.Max.Y - 2}, mk.Label+" →")
		}
	}
}

// grid is a heat map's data as plotter.GridXYZ: column c at x = c, row r
// (from the top) at y = rows−1−r.
type grid struct{ h *Heat }

func (g grid) Dims() (c, r int) { return len(g.h.Cols), len(g.h.Rows) }
func (g grid) X(c int) float64  { return float64(c) }
func (g grid) Y(r int) float64  { return float64(r) }
func (g grid) Z(c, r int) float64 {
	row := len(g.h.Rows) - 1 - r
	if row >= len(g.h.Cells) || c >= len(g.h.Cells[row]) || g.h.Cells[row][c].None {
		return math.NaN()
	}
	return g.h.Cells[row][c].Value
}

// heatPalette runs from pale yellow (low) to dark green (high).
type heatPalette struct{}

func (heatPalette) Colors() []color.Color {
	lo, mid, hi := [3]float64{0xff, 0xf7, 0xbc}, [3]float64{0x78, 0xc6, 0x79}, [3]float64{0x00, 0x5a, 0x32}
	var cs []color.Color
	for i := range 101 {
		t := float64(i) / 100
		a, b, u := lo, mid, t*2
		if t > 0.5 {
			a, b, u = mid, hi, (t-0.5)*2
		}
		mix := func(k int) uint8 { return uint8(a[k] + (b[k]-a[k])*u) }
		cs = append(cs, color.RGBA{R: mix(0), G: mix(1), B: mix(2), A: 255})
	}
	return cs
}

func drawHeat(area draw.Canvas, h *Heat) error {
	nc, nr := len(h.Cols), len(h.Rows)
	if nc == 0 || nr == 0 {
		return errors.New("empty heat map")
	}
	p := plot.New()
	setFonts(p)
	hm := plotter.NewHeatMap(grid{h}, heatPalette{})
	hm.Min, hm.Max = h.Min, h.Max
	hm.NaN = light
	p.Add(hm, &heatText{h: h})
	var xt, yt []plot.Tick
	for c, name := range h.Cols {
		xt = append(xt, plot.Tick{Value: float64(c), Label: name})
	}
	for r, name := range h.Rows {
		yt = append(yt, plot.Tick{Value: float64(nr - 1 - r), Label: name})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.ConstantTicks(xt), plot.ConstantTicks(yt)
	p.X.Label.Text, p.Y.Label.Text = h.X, h.Y
	p.X.Min, p.X.Max = -0.5, float64(nc)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(nr)-0.5
	// Square cells: as wide as the area is tall, at most the area.
	side := min(area.Max.Y-area.Min.Y, area.Max.X-area.Min.X)
	area.Max.X = area.Min.X + side + 1.2*vg.Inch
	p.Draw(area)
	return nil
}

// heatText writes each cell's text, dark on light cells and light on dark.
type heatText struct{ h *Heat }

func (t *heatText) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	nr := len(t.h.Rows)
	for r, row := range t.h.Cells {
		for col, cell := range row {
			clr := color.Color(color.Black)
			if !cell.None && (cell.Value-t.h.Min)/(t.h.Max-t.h.Min) > 0.6 {
				clr = color.White
			}
			sty := style(sans, 10, clr)
			sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
			c.FillText(sty, vg.Point{X: trX(float64(col)), Y: trY(float64(nr - 1 - r))}, cell.Text)
		}
	}
}

// Drawn is what Draw wrote: the charts, their files, and the latency
// histograms exported beside them.
type Drawn struct {
	// Dir is the directory the charts are in.
	Dir string
	// Charts are the charts drawn, in order.
	Charts []Chart
	// Files are the charts' files (PNG and SVG), in order.
	Files []string
	// HGRM are the .hgrm exports of the runs' latency histograms, in
	// Dir/hgrm.
	HGRM []string
}

// Draw saves charts into dir (see SaveAll) and exports the latency
// histograms of runs into dir/hgrm (results.ExportHGRM). What was written
// before an error is in the returned Drawn.
func Draw(dir string, charts []Chart, runs []*results.Run) (*Drawn, error) {
	d := &Drawn{Dir: dir, Charts: charts}
	var err error
	if d.Files, err = SaveAll(dir, charts); err != nil {
		return d, err
	}
	d.HGRM, err = results.ExportHGRM(filepath.Join(dir, "hgrm"), runs)
	return d, err
}

// List writes the paths of the charts, and where the histograms went.
func (d *Drawn) List(w io.Writer) {
	fmt.Fprintf(w, "charts in %s:\n", d.Dir)
	for _, p := range d.Files {
		fmt.Fprintf(w, "  %s\n", p)
	}
	if len(d.HGRM) > 0 {
		fmt.Fprintf(w, "latency histograms (.hgrm, ms): %d files in %s\n", len(d.HGRM), filepath.Join(d.Dir, "hgrm"))
	}
}
