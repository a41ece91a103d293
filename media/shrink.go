package media

import (
	"image"
	"image/color"

	"github.com/disintegration/imaging"
)

// fit scales img to fit within side×side (never enlarging it) for a JPEG
// variant: opaque, transparency flattened onto white.
//
// It works in two steps, so the cost follows the small result rather than
// the 12 MP source: a box (area-average) reduction by the largest whole
// factor that keeps the image at least as large as the result, then, when
// that is not already the result's size, CatmullRom on the reduced image.
// A decoded JPEG is reduced straight from its Y, Cb and Cr planes, without
// converting the whole frame to RGB first. The box average is the
// anti-aliasing; CatmullRom only covers the last, less than twofold step.
func fit(img image.Image, side int) *image.NRGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	tw, th := fitSize(w, h, side)
	k := min(w/tw, h/th)
	var small *image.NRGBA
	if m, ok := img.(*image.YCbCr); ok && k >= 2 {
		small = shrinkYCbCr(m, k)
	} else {
		small = opaqueNRGBA(img)
		if k >= 2 {
			small = shrinkNRGBA(small, k)
		}
	}
	if small.Rect.Dx() != tw || small.Rect.Dy() != th {
		small = resample(small, tw, th)
	}
	return small
}

// fitSize is imaging.Fit's arithmetic: the size of a w×h image fitted in
// side×side, the image's own when it fits already.
func fitSize(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w > h {
		return side, max(1, int(float64(side)*float64(h)/float64(w)))
	}
	return max(1, int(float64(side)*float64(w)/float64(h))), side
}

// opaqueNRGBA returns img as an NRGBA whose every pixel is opaque: img
// itself when it is one already, else a copy with any transparency
// flattened onto white (so transparent PNG, GIF and WebP variants do not
// turn black), before any averaging mixes transparent pixels' colours in.
func opaqueNRGBA(img image.Image) *image.NRGBA {
	if n, ok := img.(*image.NRGBA); ok && n.Opaque() {
		return n
	}
	n := imaging.Clone(img)
	for i := 0; i+3 < len(n.Pix); i += 4 {
		a := uint32(n.Pix[i+3])
		if a == 255 {
			continue
		}
		for c := range 3 {
			n.Pix[i+c] = uint8((uint32(n.Pix[i+c])*a + 255*(255-a) + 127) / 255)
		}
		n.Pix[i+3] = 255
	}
	return n
}

// boxes splits n pixels into ceil(n/k) runs of k (the last may be shorter).
func boxes(n, k int) (start []int) {
	for i := 0; i < n; i += k {
		start = append(start, i)
	}
	return append(start, n)
}

// chromaFactors are a subsampling ratio's horizontal and vertical factors.
func chromaFactors(r image.YCbCrSubsampleRatio) (int, int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 2, 1
	case image.YCbCrSubsampleRatio420:
		return 2, 2
	case image.YCbCrSubsampleRatio440:
		return 1, 2
	case image.YCbCrSubsampleRatio411:
		return 4, 1
	case image.YCbCrSubsampleRatio410:
		return 4, 2
	default:
		return 1, 1
	}
}

// shrinkYCbCr averages m over k×k boxes into an NRGBA of about a k-th of
// its width and height: luma over each box's pixels, chroma over the
// chroma samples that cover them, then one conversion to RGB per result
// pixel. Each band of k rows is first summed down the columns (a plain
// pass over the plane's bytes), then across.
func shrinkYCbCr(m *image.YCbCr, k int) *image.NRGBA {
	b := m.Bounds()
	w := b.Dx()
	sx, sy := chromaFactors(m.SubsampleRatio)
	xs, ys := boxes(w, k), boxes(b.Dy(), k)
	ow, oh := len(xs)-1, len(ys)-1
	// Each result column's chroma samples, in m.Cb's row coordinates.
	cx0, cx1 := make([]int, ow), make([]int, ow)
	for i := range ow {
		x0, x1 := b.Min.X+xs[i], b.Min.X+xs[i+1]
		cx0[i], cx1[i] = x0/sx-b.Min.X/sx, (x1-1)/sx+1-b.Min.X/sx
	}
	cw := cx1[ow-1]
	// Averages divide by a count of at most (k+1)² samples, by multiplying
	// with its reciprocal: with m = ⌈2^32/n⌉, (x·m)>>32 is exactly x/n for
	// x·(m·n − 2^32) < 2^32, far beyond 255·n.
	recip := make([]uint64, (k+1)*(k+1)+1)
	for n := 1; n < len(recip); n++ {
		recip[n] = (1<<32 + uint64(n) - 1) / uint64(n)
	}
	avg := func(sum, n uint32) uint8 { return uint8((uint64(sum+n/2) * recip[n]) >> 32) }
	out := image.NewNRGBA(image.Rect(0, 0, ow, oh))
	colY, colCb, colCr := make([]uint32, w), make([]uint32, cw), make([]uint32, cw)
	for oy := range oh {
		y0, y1 := b.Min.Y+ys[oy], b.Min.Y+ys[oy+1]
		clear(colY)
		for y := y0; y < y1; y++ {
			row := m.Y[m.YOffset(b.Min.X, y):][:w]
			col := colY[:len(row)]
			for x := range row {
				col[x] += uint32(row[x])
			}
		}
		clear(colCb)
		clear(colCr)
		c0, c1 := y0/sy-b.Min.Y/sy, (y1-1)/sy+1-b.Min.Y/sy
		for cy := c0; cy < c1; cy++ {
			for x, v := range m.Cb[cy*m.CStride:][:cw] {
				colCb[x] += uint32(v)
			}
			for x, v := range m.Cr[cy*m.CStride:][:cw] {
				colCr[x] += uint32(v)
			}
		}
		pix := out.Pix[oy*out.Stride:]
		rows, crows := uint32(y1-y0), uint32(c1-c0)
		for i := range ow {
			var sy, scb, scr uint32
			for _, v := range colY[xs[i]:xs[i+1]] {
				sy += v
			}
			for c := cx0[i]; c < cx1[i]; c++ {
				scb += colCb[c]
				scr += colCr[c]
			}
			n := rows * uint32(xs[i+1]-xs[i])
			nc := crows * uint32(cx1[i]-cx0[i])
			r, g, bl := color.YCbCrToRGB(avg(sy, n), avg(scb, nc), avg(scr, nc))
			pix[4*i], pix[4*i+1], pix[4*i+2], pix[4*i+3] = r, g, bl, 255
		}
	}
	return out
}

// shrinkNRGBA averages an opaque NRGBA over k×k boxes.
func shrinkNRGBA(m *image.NRGBA, k int) *image.NRGBA {
	b := m.Bounds()
	xs, ys := boxes(b.Dx(), k), boxes(b.Dy(), k)
	ow, oh := len(xs)-1, len(ys)-1
	out := image.NewNRGBA(image.Rect(0, 0, ow, oh))
	sum := make([]uint32, 3*ow)
	for oy := range oh {
		clear(sum)
		for y := b.Min.Y + ys[oy]; y < b.Min.Y+ys[oy+1]; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for i := range ow {
				var r, g, bl uint32
				for x := xs[i]; x < xs[i+1]; x++ {
					p := row[4*x : 4*x+3]
					r += uint32(p[0])
					g += uint32(p[1])
					bl += uint32(p[2])
				}
				sum[3*i] += r
				sum[3*i+1] += g
				sum[3*i+2] += bl
			}
		}
		pix := out.Pix[oy*out.Stride:]
		rows := uint32(ys[oy+1] - ys[oy])
		for i := range ow {
			n := rows * uint32(xs[i+1]-xs[i])
			for c := range 3 {
				pix[4*i+c] = uint8((sum[3*i+c] + n/2) / n)
			}
			pix[4*i+3] = 255
		}
	}
	return out
}
