package media

import (
	"image"
	"math"

	"github.com/disintegration/imaging"
)

// weightBits is the fixed point of resampling weights: a weight of 1 is
// 1<<weightBits.
const weightBits = 14

// taps are the source samples one result sample is made of: weights[i]
// applies to source sample start+i.
type taps struct {
	start   int
	weights []int32
}

// catmullRomTaps computes, for each of dst samples taken from src, the
// CatmullRom weights exactly as imaging.Resize does (the kernel widened by
// the reduction ratio, normalised to sum to one), then rounds them to
// fixed point keeping the sum exact.
func catmullRomTaps(dst, src int) []taps {
	du := float64(src) / float64(dst)
	scale := max(du, 1)
	support := math.Ceil(scale * imaging.CatmullRom.Support)
	out := make([]taps, dst)
	var f []float64
	// All the weights in one array: about 5 per result sample.
	all := make([]int32, 0, dst*(2*int(support)+1))
	for v := range out {
		center := (float64(v)+0.5)*du - 0.5
		begin := max(int(math.Ceil(center-support)), 0)
		end := min(int(math.Floor(center+support)), src-1)
		f = f[:0]
		var sum float64
		for u := begin; u <= end; u++ {
			w := imaging.CatmullRom.Kernel((float64(u) - center) / scale)
			if w == 0 && len(f) == 0 {
				begin++ // no leading taps that weigh nothing
				continue
			}
			f = append(f, w)
			sum += w
		}
		for len(f) > 1 && f[len(f)-1] == 0 {
			f = f[:len(f)-1]
		}
		all = append(all, make([]int32, len(f))...)
		ws := all[len(all)-len(f):]
		var total, largest int32
		for i, w := range f {
			ws[i] = int32(math.Round(w / sum * (1 << weightBits)))
			total += ws[i]
			if ws[i] > ws[largest] {
				largest = int32(i)
			}
		}
		ws[largest] += 1<<weightBits - total
		out[v] = taps{start: begin, weights: ws}
	}
	return out
}

// resample scales an opaque NRGBA to w×h with CatmullRom (imaging's
// weights, in fixed point, on the three colour channels only): across
// into a w-wide image, then down. Used on images already box-reduced to
// within twice the result's size, so each result pixel reads about 4×4
// source pixels.
func resample(src *image.NRGBA, w, h int) *image.NRGBA {
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	across := image.NewNRGBA(image.Rect(0, 0, w, sh))
	xt := catmullRomTaps(w, sw)
	for y := range sh {
		row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):][:4*sw]
		out := across.Pix[y*across.Stride:][:4*w]
		for x, t := range xt {
			var r, g, bl int32
			p := row[4*t.start:]
			for i, wt := range t.weights {
				q := p[4*i : 4*i+3]
				r += wt * int32(q[0])
				g += wt * int32(q[1])
				bl += wt * int32(q[2])
			}
			o := out[4*x : 4*x+4]
			o[0], o[1], o[2], o[3] = clampWeighted(r), clampWeighted(g), clampWeighted(bl), 255
		}
	}
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	acc := make([]int32, 4*w)
	for y, t := range catmullRomTaps(h, sh) {
		clear(acc)
		for i, wt := range t.weights {
			row := across.Pix[(t.start+i)*across.Stride:][:4*w]
			a := acc[:len(row)]
			for x := range row {
				a[x] += wt * int32(row[x])
			}
		}
		out := dst.Pix[y*dst.Stride:][:4*w]
		a := acc[:len(out)]
		for x := range out {
			out[x] = clampWeighted(a[x])
		}
	}
	return dst
}

// clampWeighted turns a weighted sum back into a byte, rounded; CatmullRom's
// negative lobes can take it out of range.
func clampWeighted(v int32) uint8 {
	v = (v + 1<<(weightBits-1)) >> weightBits
	return uint8(min(max(v, 0), 255))
}
