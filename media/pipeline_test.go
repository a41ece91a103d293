package media_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"runtime"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/media"
)

func spool(t testing.TB, data []byte) *media.Upload {
	t.Helper()
	u, err := media.Spool(bytes.NewReader(data), media.DefaultMaxUploadBytes, t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, u.Close()) })
	return u
}

func process(t testing.TB, data []byte) (*media.Result, []byte, error) {
	t.Helper()
	res, err := media.NewPipeline(2).Process(context.Background(), spool(t, data))
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, int64(len(body)), res.Size)
	return res, body, nil
}

func code(err error) string {
	if e, ok := apperror.As(err); ok {
		return e.Code
	}
	return ""
}

func near(t testing.TB, img image.Image, x, y int, r, g, b uint32, what string) {
	t.Helper()
	cr, cg, cb, _ := img.At(x, y).RGBA()
	d := func(a, b uint32) uint32 {
		a >>= 8 // RGBA gives 16-bit channels
		if a > b {
			return a - b
		}
		return b - a
	}
	assert.True(t, d(cr, r) < 40 && d(cg, g) < 40 && d(cb, b) < 40, "%s at (%d,%d) is %d,%d,%d", what, x, y, cr>>8, cg>>8, cb>>8)
}

func TestProcess_PhoneJPEGComesOutUprightWithoutEXIF(t *testing.T) {
	in := phoneJPEG(t, 400, 200)
	require.Contains(t, string(in), gpsMarker, "the fixture carries GPS")
	require.Contains(t, jpegSegments(t, in), byte(0xE1), "the fixture carries an EXIF segment")

	res, out, err := process(t, in)
	require.NoError(t, err)
	assert.Equal(t, "image/jpeg", res.ContentType)
	assert.Equal(t, [2]int{200, 400}, [2]int{res.Width, res.Height}, "orientation 6 turns the 400×200 sensor image upright")

	assert.NotContains(t, string(out), gpsMarker)
	assert.NotContains(t, string(out), "Exif")
	for _, m := range jpegSegments(t, out) {
		assert.False(t, m >= 0xE1 && m <= 0xEF, "APP%d segment left in the output", m-0xE0)
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 200, 400), img.Bounds())
	// Turned 90° clockwise, the sensor's left (red) half is now on top.
	near(t, img, 100, 50, 220, 20, 20, "red on top")
	near(t, img, 100, 350, 20, 20, 220, "blue below")

	require.NotNil(t, res.Thumb)
	assert.Equal(t, "_w320", res.Thumb.Suffix)
	assert.Equal(t, [2]int{160, 320}, [2]int{res.Thumb.Width, res.Thumb.Height})
	assert.NotContains(t, string(res.Thumb.Data), gpsMarker)
	thumb, err := jpeg.Decode(bytes.NewReader(res.Thumb.Data))
	require.NoError(t, err)
	near(t, thumb, 80, 40, 220, 20, 20, "thumbnail red on top")
	assert.Nil(t, res.Post, "no post rendering for an image smaller than it")
}

func TestProcess_PolyglotComesOutClean(t *testing.T) {
	in := polyglot(t)
	require.Contains(t, string(in), "<script>")
	require.Contains(t, string(in), "PK\x03\x04")

	res, out, err := process(t, in)
	require.NoError(t, err)
	assert.Equal(t, "image/jpeg", res.ContentType)
	assert.NotContains(t, string(out), "<script")
	assert.NotContains(t, string(out), "<html")
	assert.NotContains(t, string(out), "PK\x03\x04")
	_, err = jpeg.Decode(bytes.NewReader(out))
	assert.NoError(t, err)
	// The JPEG decoder stops at its end-of-image marker: nothing follows it.
	assert.Equal(t, []byte{0xFF, 0xD9}, out[len(out)-2:])
}

func TestProcess_DecompressionBombIsRefusedFromTheHeader(t *testing.T) {
	bomb := bombPNG(t, 30000, 30000)
	require.Less(t, len(bomb), 1<<20, "the bomb is small on disk")
	pipeline := media.NewPipeline(2)
	u := spool(t, bomb)

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := pipeline.Process(context.Background(), u)
	runtime.ReadMemStats(&after)

	require.Error(t, err)
	assert.Equal(t, apperror.CodeValidation, code(err), "%v", err)
	e, _ := apperror.As(err)
	assert.Contains(t, e.Fields["file"], "30000×30000")
	// TotalAlloc counts every byte allocated, freed or not: decoding even
	// one row-set of 900 million pixels would show here.
	grew := after.TotalAlloc - before.TotalAlloc
	assert.Less(t, grew, uint64(10<<20), "allocated %d bytes to refuse the bomb", grew)
}

func TestProcess_TypeComesFromTheBytes(t *testing.T) {
	for name, data := range map[string][]byte{
		"html":       []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"),
		"svg":        []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`),
		"zip":        []byte("PK\x03\x04rest of an archive"),
		"text":       []byte("just some text"),
		"pdf":        []byte("%PDF-1.7\n"),
		"html-first": append([]byte("<html>"), encodeJPEG(t, halves(8, 8))...),
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := process(t, data)
			assert.Equal(t, apperror.CodeUnsupportedMedia, code(err), "%v", err)
		})
	}
	t.Run("jpeg header without an image", func(t *testing.T) {
		_, _, err := process(t, []byte("\xFF\xD8\xFF\xE0 not really a jpeg at all"))
		assert.Equal(t, apperror.CodeUnsupportedMedia, code(err), "%v", err)
	})
}

func TestProcess_VideoAndGIFAreKeptAsSent(t *testing.T) {
	for name, tc := range map[string]struct {
		data []byte
		ct   string
	}{
		"mp4":  {mp4Head(), "video/mp4"},
		"webm": {webmHead(), "video/webm"},
		"gif":  {smallGIF(t), "image/gif"},
	} {
		t.Run(name, func(t *testing.T) {
			res, out, err := process(t, tc.data)
			require.NoError(t, err)
			assert.Equal(t, tc.ct, res.ContentType)
			assert.Equal(t, tc.data, out, "stored byte for byte")
			if name == "gif" {
				assert.Equal(t, [2]int{30, 10}, [2]int{res.Width, res.Height})
				require.NotNil(t, res.Thumb, "a GIF's first frame makes its thumbnail")
				_, err := jpeg.Decode(bytes.NewReader(res.Thumb.Data))
				assert.NoError(t, err)
			} else {
				assert.Zero(t, res.Width)
				assert.Nil(t, res.Thumb)
			}
		})
	}
}

func TestProcess_WebPLosesItsMetadataChunksAndTrailingBytes(t *testing.T) {
	in := webpWithEXIF(t)
	require.Contains(t, string(in), gpsMarker)
	res, out, err := process(t, in)
	require.NoError(t, err)
	assert.Equal(t, "image/webp", res.ContentType)
	assert.NotContains(t, string(out), gpsMarker)
	assert.NotContains(t, string(out), "<html")
	assert.NotContains(t, string(out), "EXIF")
	assert.Equal(t, byte(0x10), out[20], "VP8X keeps the alpha flag and loses the EXIF and XMP flags")
	assert.Equal(t, [2]int{1, 1}, [2]int{res.Width, res.Height})
	// What is stored still decodes.
	_, _, err = process(t, out)
	assert.NoError(t, err)
}

func TestProcess_LargePNGIsScaledAndGetsAPostRendering(t *testing.T) {
	res, out, err := process(t, transparentPNG(t, 1600, 900))
	require.NoError(t, err)
	assert.Equal(t, "image/png", res.ContentType)
	assert.Equal(t, [2]int{1600, 900}, [2]int{res.Width, res.Height})
	_, format, err := image.Decode(bytes.NewReader(out))
	require.NoError(t, err)
	assert.Equal(t, "png", format)
	require.NotNil(t, res.Post)
	assert.Equal(t, [2]int{1280, 720}, [2]int{res.Post.Width, res.Post.Height})
	thumb, err := jpeg.Decode(bytes.NewReader(res.Thumb.Data))
	require.NoError(t, err)
	near(t, thumb, 100, 100, 255, 255, 255, "transparency flattened onto white")

	big, _, err := process(t, encodeJPEG(t, halves(5000, 1000)))
	require.NoError(t, err)
	assert.Equal(t, [2]int{media.MaxSide, 819}, [2]int{big.Width, big.Height}, "longer than 4096 px is scaled down")
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestSpool_RefusesOverTheLimitWithoutReadingTheRest(t *testing.T) {
	dir := t.TempDir()
	body := &countingReader{r: io.LimitReader(zeros{}, 21<<20)}
	_, err := media.Spool(body, media.DefaultMaxUploadBytes, dir)
	assert.Equal(t, apperror.CodeTooLarge, code(err), "%v", err)
	assert.Equal(t, int64(media.DefaultMaxUploadBytes+1), body.n, "reading stops one byte past the limit")
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, left, "the temporary file is removed")

	exact, err := media.Spool(io.LimitReader(zeros{}, 1000), 1000, dir)
	require.NoError(t, err, "a file of exactly the limit is accepted")
	assert.Equal(t, int64(1000), exact.Size)
	require.NoError(t, exact.Close())

	_, err = media.Spool(bytes.NewReader(nil), 1000, dir)
	assert.Equal(t, apperror.CodeValidation, code(err))
}

func TestProcess_AnimatedWebPIsKeptWithoutMetadataOrThumbnail(t *testing.T) {
	in := animatedWebP(t)
	require.Contains(t, string(in), gpsMarker)
	res, out, err := process(t, in)
	require.NoError(t, err)
	assert.Equal(t, "image/webp", res.ContentType)
	assert.Equal(t, [2]int{1, 1}, [2]int{res.Width, res.Height})
	assert.Nil(t, res.Thumb, "Go cannot decode an animation to make one")
	assert.NotContains(t, string(out), gpsMarker)
	assert.Contains(t, string(out), "ANMF")
	assert.Equal(t, byte(0x12), out[20], "animation and alpha flags kept, EXIF flag cleared")
}

// quadrants is a w×h image of four colours, one per quadrant, so any
// turn or mirror shows in where they end up.
func quadrants(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	colours := [4]color.NRGBA{{220, 20, 20, 255}, {20, 200, 20, 255}, {20, 20, 220, 255}, {230, 230, 30, 255}}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			q := 0
			if x >= w/2 {
				q++
			}
			if y >= h/2 {
				q += 2
			}
			img.SetNRGBA(x, y, colours[q])
		}
	}
	return img
}

// Every EXIF orientation comes out upright in the stored image, the post
// rendering and the thumbnail, with width and height swapped for the four
// that turn by a quarter (the pipeline turns a phone photo's planes while
// encoding and its variants once small; this checks all eight against
// imaging's transforms of the source). An odd size, which the encoder
// cannot read turned, takes the other way and must agree.
func TestProcess_EveryOrientationComesOutUpright(t *testing.T) {
	for _, size := range []image.Point{{1600, 800}, {1301, 651}} {
		t.Run(size.String(), func(t *testing.T) { everyOrientationUpright(t, quadrants(size.X, size.Y)) })
	}
}

func everyOrientationUpright(t *testing.T, src *image.NRGBA) {
	upright := map[uint16]func(image.Image) *image.NRGBA{
		1: imaging.Clone, 2: imaging.FlipH, 3: imaging.Rotate180, 4: imaging.FlipV,
		5: imaging.Transpose, 6: imaging.Rotate270, 7: imaging.Transverse, 8: imaging.Rotate90,
	}
	plain := encodeJPEG(t, src)
	for o := uint16(1); o <= 8; o++ {
		want := upright[o](src)
		res, out, err := process(t, withOrientation(plain, o))
		require.NoError(t, err, "orientation %d", o)
		assert.Equal(t, [2]int{want.Rect.Dx(), want.Rect.Dy()}, [2]int{res.Width, res.Height}, "orientation %d", o)
		stored, err := jpeg.Decode(bytes.NewReader(out))
		require.NoError(t, err)
		require.NotNil(t, res.Post)
		post, err := jpeg.Decode(bytes.NewReader(res.Post.Data))
		require.NoError(t, err)
		thumb, err := jpeg.Decode(bytes.NewReader(res.Thumb.Data))
		require.NoError(t, err)
		for name, img := range map[string]image.Image{"stored": stored, "post": post, "thumb": thumb} {
			b := img.Bounds()
			assert.InDelta(t, float64(want.Rect.Dx())/float64(want.Rect.Dy()), float64(b.Dx())/float64(b.Dy()), 0.01, "%s, orientation %d", name, o)
			for _, f := range [][2]float64{{0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}} {
				c := want.NRGBAAt(int(f[0]*float64(want.Rect.Dx())), int(f[1]*float64(want.Rect.Dy())))
				near(t, img, int(f[0]*float64(b.Dx())), int(f[1]*float64(b.Dy())), uint32(c.R), uint32(c.G), uint32(c.B),
					fmt.Sprintf("%s, orientation %d, at %v", name, o, f))
			}
		}
	}
}
