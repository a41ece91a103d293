package jpegenc

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// photo is a w×h image of gradients and noise (a photo's statistics: most
// coefficients small, some large, 0xff bytes in the entropy-coded data).
func photo(w, h int) *image.RGBA {
	rng := rand.New(rand.NewPCG(5, 6))
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n := rng.IntN(40)
			m.SetRGBA(x, y, color.RGBA{uint8(x*255/w + n/2), uint8(y*200/h + n), uint8((x + y) * 100 / (w + h) * 2), 255})
		}
	}
	return m
}

func asYCbCr(src image.Image, ratio image.YCbCrSubsampleRatio) *image.YCbCr {
	b := src.Bounds()
	m := image.NewYCbCr(b, ratio)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := src.At(x, y).RGBA()
			yy, cb, cr := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(bl>>8))
			m.Y[m.YOffset(x, y)] = yy
			// Chroma samples shared by several pixels keep the last one's:
			// any value will do, the two encoders read the same planes.
			m.Cb[m.COffset(x, y)], m.Cr[m.COffset(x, y)] = cb, cr
		}
	}
	return m
}

// The encoder writes exactly image/jpeg's bytes, for every kind of image
// it has a path for, at sizes that are and are not whole MCUs, and at the
// qualities the pipeline uses and the extremes.
func TestEncodeMatchesImageJPEG(t *testing.T) {
	for _, size := range []image.Point{{64, 48}, {37, 29}, {1, 1}, {301, 17}} {
		rgba := photo(size.X, size.Y)
		gray := image.NewGray(rgba.Bounds())
		for i := range gray.Pix {
			gray.Pix[i] = rgba.Pix[4*i+1]
		}
		nrgba := image.NewNRGBA(rgba.Bounds())
		copy(nrgba.Pix, rgba.Pix)
		images := map[string]image.Image{
			"rgba":         rgba,
			"gray":         gray,
			"nrgba":        nrgba,
			"ycbcr420":     asYCbCr(rgba, image.YCbCrSubsampleRatio420),
			"ycbcr444":     asYCbCr(rgba, image.YCbCrSubsampleRatio444),
			"ycbcr422":     asYCbCr(rgba, image.YCbCrSubsampleRatio422),
			"ycbcr420 sub": asYCbCr(photo(size.X+6, size.Y+4), image.YCbCrSubsampleRatio420).SubImage(image.Rect(2, 2, size.X+2, size.Y+2)),
		}
		for name, img := range images {
			for _, q := range []int{1, 50, 85, 100} {
				var want, got bytes.Buffer
				require.NoError(t, jpeg.Encode(&want, img, &jpeg.Options{Quality: q}))
				require.NoError(t, Encode(&got, img, &Options{Quality: q}))
				require.True(t, bytes.Equal(want.Bytes(), got.Bytes()), "%s %v quality %d: %d bytes, image/jpeg wrote %d",
					name, size, q, got.Len(), want.Len())
			}
		}
	}
}

// A large image crosses the output's flush threshold many times.
func TestEncodeLargeImageMatches(t *testing.T) {
	img := asYCbCr(photo(1024, 768), image.YCbCrSubsampleRatio420)
	var want, got bytes.Buffer
	require.NoError(t, jpeg.Encode(&want, img, &jpeg.Options{Quality: 90}))
	require.NoError(t, Encode(&got, img, &Options{Quality: 90}))
	require.Greater(t, got.Len(), 2*flushAt)
	require.True(t, bytes.Equal(want.Bytes(), got.Bytes()))
}

// The reciprocal division is image/jpeg's div for every divisor a quality
// can give and every value the DCT can produce, and the zero test agrees
// with it.
func TestQuantizeIsExact(t *testing.T) {
	div := func(a, b int32) int32 {
		if a >= 0 {
			return (a + (b >> 1)) / b
		}
		return -((-a + (b >> 1)) / b)
	}
	for q := int32(1); q <= 255; q++ {
		d := uint64(8 * q)
		recip, half, zero := (1<<recipShift+d-1)/d, d>>1, int32(d>>1)-1
		for a := int32(-1 << 15); a < 1<<15; a++ {
			want := div(a, 8*q)
			if got := quantize(a, recip, half); got != want {
				t.Fatalf("%d / %d: %d, want %d", a, 8*q, got, want)
			}
			if isZero := uint32(a+zero) <= uint32(2*zero); isZero != (want == 0) {
				t.Fatalf("%d / %d: zero test says %v, the quotient is %d", a, 8*q, isZero, want)
			}
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEncode12MP compares the encoder with image/jpeg on a 12 MP
// 4:2:0 photo; cpu-ms/op is the process's CPU time, which does not
// stretch when other processes share the machine as ns/op does.
func BenchmarkEncode12MP(b *testing.B) {
	img := asYCbCr(photo(4032, 3024), image.YCbCrSubsampleRatio420)
	for _, enc := range []struct {
		name string
		fn   func(*bytes.Buffer) error
	}{
		{"image/jpeg", func(w *bytes.Buffer) error { return jpeg.Encode(w, img, &jpeg.Options{Quality: 85}) }},
		{"jpegenc", func(w *bytes.Buffer) error { return Encode(w, img, &Options{Quality: 85}) }},
	} {
		b.Run(enc.name, func(b *testing.B) {
			var buf bytes.Buffer
			cpu0 := cpuTime()
			for b.Loop() {
				buf.Reset()
				if err := enc.fn(&buf); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// transformed is m turned by t pixel by pixel: the reference for
// EncodeTransformed.
func transformed(m *image.YCbCr, t Transform) *image.YCbCr {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	dw, dh := w, h
	if t.Swap {
		dw, dh = h, w
	}
	out := image.NewYCbCr(image.Rect(0, 0, dw, dh), m.SubsampleRatio)
	// Luma per pixel, chroma per chroma sample (the planes turn alike).
	turn := func(dst, src []byte, dstStride, srcStride, dw, dh int) {
		for y := 0; y < dh; y++ {
			for x := 0; x < dw; x++ {
				ux, uy := x, y
				if t.FlipX {
					ux = dw - 1 - x
				}
				if t.FlipY {
					uy = dh - 1 - y
				}
				if t.Swap {
					ux, uy = uy, ux
				}
				dst[y*dstStride+x] = src[uy*srcStride+ux]
			}
		}
	}
	turn(out.Y, m.Y, out.YStride, m.YStride, dw, dh)
	turn(out.Cb, m.Cb, out.CStride, m.CStride, dw/2, dh/2)
	turn(out.Cr, m.Cr, out.CStride, m.CStride, dw/2, dh/2)
	return out
}

// EncodeTransformed writes exactly what encoding the turned copy writes,
// for all eight transforms, whole MCUs or not.
func TestEncodeTransformedMatchesTurnedCopy(t *testing.T) {
	for _, size := range []image.Point{{64, 48}, {38, 22}, {2, 2}, {130, 18}} {
		m := asYCbCr(photo(size.X, size.Y), image.YCbCrSubsampleRatio420)
		for n := range 8 {
			tr := Transform{Swap: n&4 != 0, FlipX: n&2 != 0, FlipY: n&1 != 0}
			var want, got bytes.Buffer
			require.NoError(t, Encode(&want, transformed(m, tr), &Options{Quality: 85}))
			require.NoError(t, EncodeTransformed(&got, m, tr, &Options{Quality: 85}))
			require.True(t, bytes.Equal(want.Bytes(), got.Bytes()), "%v %+v", size, tr)
		}
	}
	odd := asYCbCr(photo(5, 4), image.YCbCrSubsampleRatio420)
	require.Error(t, EncodeTransformed(io.Discard, odd, Transform{Swap: true}, nil), "an odd size is refused")
	full := asYCbCr(photo(4, 4), image.YCbCrSubsampleRatio444)
	require.Error(t, EncodeTransformed(io.Discard, full, Transform{}, nil), "4:4:4 is refused")
}
