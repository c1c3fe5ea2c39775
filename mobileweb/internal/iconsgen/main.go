// Command iconsgen draws the app's icons: a white house with a heart in its door on a
// deep green field. Run it from the repository root:
//
//	go run ./mobileweb/internal/iconsgen -out mobileweb/static/icons
//
// It writes icon-192.png and icon-512.png (purpose "any": the mark fills most of the
// square) and maskable-512.png (the mark inside the central 80% safe zone).
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
)

var (
	green = color.NRGBA{R: 0x1b, G: 0x5e, B: 0x3b, A: 0xff} // deep green, the theme colour
	white = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
)

func main() {
	out := flag.String("out", "mobileweb/static/icons", "folder to write the PNGs to")
	flag.Parse()
	icons := []struct {
		name  string
		size  int
		scale float64 // the mark's share of the square
	}{
		{"icon-192.png", 192, 0.78},
		{"icon-512.png", 512, 0.78},
		{"maskable-512.png", 512, 0.56},
	}
	for _, ic := range icons {
		if err := write(filepath.Join(*out, ic.name), draw(ic.size, ic.scale)); err != nil {
			fmt.Fprintln(os.Stderr, "iconsgen:", err)
			os.Exit(1)
		}
	}
}

func write(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// draw renders the mark with 4×4 supersampling, so that its edges are smooth.
func draw(size int, scale float64) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	const ss = 4
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			hits := 0
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					// Map the sample to mark coordinates: -1..1 across the mark's box.
					u := ((float64(x)+(float64(sx)+0.5)/ss)/float64(size) - 0.5) * 2 / scale
					v := ((float64(y)+(float64(sy)+0.5)/ss)/float64(size) - 0.5) * 2 / scale
					if inMark(u, v) {
						hits++
					}
				}
			}
			a := float64(hits) / ss / ss
			img.SetNRGBA(x, y, mix(green, white, a))
		}
	}
	return img
}

func mix(a, b color.NRGBA, t float64) color.NRGBA {
	l := func(p, q uint8) uint8 { return uint8(math.Round(float64(p)*(1-t) + float64(q)*t)) }
	return color.NRGBA{R: l(a.R, b.R), G: l(a.G, b.G), B: l(a.B, b.B), A: 0xff}
}

// inMark reports whether (u, v), with both in -1..1 and v growing downwards, is white:
// a roof and a house body, minus a heart cut out of the body.
func inMark(u, v float64) bool {
	roof := v >= -0.95 && v <= -0.15 && math.Abs(u) <= (v+0.95)*1.15 && !(v > -0.35 && math.Abs(u) > 0.75)
	body := v >= -0.2 && v <= 0.9 && math.Abs(u) <= 0.68
	if !(roof || body) {
		return false
	}
	return !inHeart((u)/0.42, (v-0.35)/0.42)
}

// inHeart is the classic implicit heart (x²+y²−1)³ − x²y³ ≤ 0, with y flipped to point up.
func inHeart(x, y float64) bool {
	y = -y
	a := x*x + y*y - 1
	return a*a*a-x*x*y*y*y <= 0
}
