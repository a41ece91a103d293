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
