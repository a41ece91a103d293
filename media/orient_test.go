package media

import (
	"bytes"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/media/mediatest"
)

// noisyYCbCr is a w×h YCbCr image of random samples, so any misplaced
// sample shows.
func noisyYCbCr(w, h int, ratio image.YCbCrSubsampleRatio) *image.YCbCr {
	m := image.NewYCbCr(image.Rect(0, 0, w, h), ratio)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, p := range [][]byte{m.Y, m.Cb, m.Cr} {
		for i := range p {
			p[i] = byte(rng.IntN(256))
		}
	}
	return m
}

// The plane-wise orientation gives exactly imaging's per-pixel transforms
// (the pipeline's reference before it), for every orientation and every
// subsampling it takes on, and stays YCbCr.
func TestOrientYCbCrMatchesImaging(t *testing.T) {
	reference := map[int]func(image.Image) *image.NRGBA{
		2: imaging.FlipH, 3: imaging.Rotate180, 4: imaging.FlipV, 5: imaging.Transpose,
		6: imaging.Rotate270, 7: imaging.Transverse, 8: imaging.Rotate90,
	}
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440} {
		// 130×68: more than one 64-pixel tile across, not a multiple of it.
		src := noisyYCbCr(130, 68, ratio)
		for o := 2; o <= 8; o++ {
			got := orient(src, o)
			fast, ok := got.(*image.YCbCr)
			require.True(t, ok, "%v orientation %d: the fast path was not taken", ratio, o)
			want := reference[o](src)
			require.Equal(t, want.Bounds(), fast.Bounds(), "%v orientation %d", ratio, o)
			for y := 0; y < want.Bounds().Dy(); y++ {
				for x := 0; x < want.Bounds().Dx(); x++ {
					if color.NRGBAModel.Convert(fast.At(x, y)) != want.NRGBAAt(x, y) {
						t.Fatalf("%v orientation %d: pixel (%d,%d) is %v, want %v", ratio, o, x, y, fast.At(x, y), want.NRGBAAt(x, y))
					}
				}
			}
		}
	}
}

// Layouts the plane-wise path cannot turn exactly go the per-pixel way.
func TestOrientFallsBackForOddLayouts(t *testing.T) {
	for name, src := range map[string]*image.YCbCr{
		"4:1:1":       noisyYCbCr(64, 16, image.YCbCrSubsampleRatio411),
		"odd 4:2:0":   noisyYCbCr(65, 16, image.YCbCrSubsampleRatio420),
		"offset rect": noisyYCbCr(64, 16, image.YCbCrSubsampleRatio444).SubImage(image.Rect(2, 2, 40, 10)).(*image.YCbCr),
	} {
		got := orient(src, 6)
		assert.IsType(t, &image.NRGBA{}, got, name)
		assert.Equal(t, imaging.Rotate270(src).Pix, got.(*image.NRGBA).Pix, name)
	}
	same := noisyYCbCr(8, 8, image.YCbCrSubsampleRatio420)
	assert.Same(t, same, orient(same, 1))
	assert.Same(t, same, orient(same, 0), "an invalid orientation leaves the image as it is")
}

func TestEXIFOrientation(t *testing.T) {
	assert.Equal(t, 6, exifOrientation(bytes.NewReader(mediatest.PhoneJPEG(t, 16, 8))))
	plain := mediatest.EncodeJPEG(t, mediatest.Halves(16, 8))
	assert.Equal(t, 1, exifOrientation(bytes.NewReader(plain)), "no EXIF")
	// An XMP APP1 before the EXIF one does not hide it.
	xmp := append([]byte{0xFF, 0xE1, 0, 0}, "http://ns.adobe.com/xap/1.0/\x00<x/>"...)
	xmp[3] = byte(len(xmp) - 2)
	phone := mediatest.PhoneJPEG(t, 16, 8)
	withXMP := append(append([]byte{0xFF, 0xD8}, xmp...), phone[2:]...)
	assert.Equal(t, 6, exifOrientation(bytes.NewReader(withXMP)))
	for name, data := range map[string][]byte{
		"empty":     nil,
		"png":       mediatest.TransparentPNG(t, 2, 2),
		"truncated": phone[:30],
		"bad ifd":   append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0, 16}, "Exif\x00\x00II*\x00\xFF\xFF\x00\x00"...),
	} {
		assert.Equal(t, 1, exifOrientation(bytes.NewReader(data)), name)
	}
}

// shrinkYCbCr averages each box's luma and the chroma samples covering it
// (checked against that definition computed pixel by pixel) for every
// subsampling, sizes that are not whole boxes, and a sub-image.
func TestShrinkYCbCrAveragesBoxes(t *testing.T) {
	cases := map[string]*image.YCbCr{}
	for _, r := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410} {
		cases[r.String()] = noisyYCbCr(47, 31, r)
	}
	cases["sub-image"] = noisyYCbCr(60, 40, image.YCbCrSubsampleRatio420).SubImage(image.Rect(3, 5, 50, 37)).(*image.YCbCr)
	for name, m := range cases {
		for _, k := range []int{2, 3, 5} {
			got := shrinkYCbCr(m, k)
			b := m.Bounds()
			require.Equal(t, image.Rect(0, 0, (b.Dx()+k-1)/k, (b.Dy()+k-1)/k), got.Bounds(), "%s k=%d", name, k)
			for oy := 0; oy < got.Rect.Dy(); oy++ {
				for ox := 0; ox < got.Rect.Dx(); ox++ {
					var ySum, n, cbSum, crSum int
					chroma := map[int]bool{}
					for y := b.Min.Y + oy*k; y < min(b.Min.Y+oy*k+k, b.Max.Y); y++ {
						for x := b.Min.X + ox*k; x < min(b.Min.X+ox*k+k, b.Max.X); x++ {
							ySum += int(m.Y[m.YOffset(x, y)])
							n++
							if c := m.COffset(x, y); !chroma[c] {
								chroma[c] = true
								cbSum += int(m.Cb[c])
								crSum += int(m.Cr[c])
							}
						}
					}
					nc := len(chroma)
					r, g, bl := color.YCbCrToRGB(uint8((ySum+n/2)/n), uint8((cbSum+nc/2)/nc), uint8((crSum+nc/2)/nc))
					if p, want := got.NRGBAAt(ox, oy), (color.NRGBA{r, g, bl, 255}); p != want {
						t.Fatalf("%s k=%d (%d,%d): %v, want %v", name, k, ox, oy, p, want)
					}
				}
			}
		}
	}
}

func noisyNRGBA(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range m.Pix {
		m.Pix[i] = byte(rng.IntN(256))
		if i%4 == 3 {
			m.Pix[i] = 255
		}
	}
	return m
}

// resample is imaging's CatmullRom resize in fixed point: within one level
// of it on every channel, for reductions and enlargements alike.
func TestResampleMatchesImagingCatmullRom(t *testing.T) {
	src := noisyNRGBA(134, 101)
	for _, size := range []image.Point{{128, 96}, {67, 50}, {134, 60}, {200, 150}, {1, 1}} {
		got := resample(src, size.X, size.Y)
		want := imaging.Resize(src, size.X, size.Y, imaging.CatmullRom)
		require.Equal(t, want.Bounds(), got.Bounds())
		for i := range want.Pix {
			d := int(got.Pix[i]) - int(want.Pix[i])
			if d < -1 || d > 1 {
				t.Fatalf("%v: byte %d is %d, imaging gives %d", size, i, got.Pix[i], want.Pix[i])
			}
		}
	}
}

// fit gives imaging.Fit's size, an opaque image, and transparency on white.
func TestFitSizesAndFlattens(t *testing.T) {
	for _, size := range []image.Point{{4032, 3024}, {3024, 4032}, {1600, 900}, {1281, 5}, {5, 1281}, {300, 200}, {2561, 2560}} {
		src := image.NewYCbCr(image.Rect(0, 0, size.X, size.Y), image.YCbCrSubsampleRatio420)
		for _, side := range []int{PostSide, ThumbSide} {
			got := fit(src, side)
			want := imaging.Fit(image.NewGray(image.Rect(0, 0, size.X, size.Y)), side, side, imaging.Box)
			assert.Equal(t, want.Bounds(), got.Bounds(), "%v in %d", size, side)
			assert.True(t, got.Opaque())
		}
	}
	transparent := image.NewNRGBA(image.Rect(0, 0, 700, 700))
	transparent.SetNRGBA(0, 0, color.NRGBA{0, 0, 0, 128})
	got := fit(transparent, ThumbSide)
	assert.Equal(t, color.NRGBA{255, 255, 255, 255}, got.NRGBAAt(200, 200), "transparent is white")
	assert.True(t, got.Opaque())
	assert.Equal(t, uint8(0), transparent.Pix[3+4*1], "the source is left alone")
}
